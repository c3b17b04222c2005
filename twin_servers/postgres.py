"""Databases of their own for the servers, on a PostgreSQL server the caller names."""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg
from psycopg import sql


def with_database(url: str, name: str) -> str:
    """The URL with its database (the path) replaced by `name`."""
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def create_database(postgres_url: str, name: str) -> None:
    """Create an empty database on the PostgreSQL server (connected to the URL's database)."""
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(postgres_url: str, name: str) -> None:
    """Drop the database, ending any session still connected to it (PostgreSQL 13+)."""
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        connection.execute(statement.format(sql.Identifier(name)))
