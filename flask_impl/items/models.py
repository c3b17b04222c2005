"""The models: Item (columns, database constraints, its JSON form) and User, the admin's users."""

from datetime import UTC, datetime

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Engine,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

NAME_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 2000
QUANTITY_MAX = 1_000_000
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
USERNAME_MAX_LENGTH = 150
# django-axes' column sizes: a username as typed (up to 255), an IPv6 address in text (45).
ATTEMPT_USERNAME_MAX_LENGTH = 255
ADDRESS_MAX_LENGTH = 45


class Base(DeclarativeBase):
    """Declarative base shared by every model of the app."""


# A commit leaves the session's objects as they are. SQLAlchemy's default expires them, so the
# first read after a write (to_dict() of the item just saved) checks out a connection again and
# SELECTs the row back: a second transaction per write, and half of a POST's time. The session
# lives for one request, and every column's value is set in Python (its defaults too) or read
# back by the INSERT (the id), so there is nothing stale to reload.
# Django: a saved model instance keeps its values; Django never reads a row back after a save.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite safe for several worker processes: WAL, a busy timeout, BEGIN IMMEDIATE writes.

    Django: settings.py's OPTIONS (transaction_mode, timeout, init_command) do the same.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record) -> None:
        # Switch off pysqlite's own BEGIN, so that on_begin below decides how each one starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 20000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        # Writes lock up front: upgrading a read lock later fails at once, whatever the timeout.
        immediate = connection.get_execution_options().get("sqlite_begin") == "IMMEDIATE"
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write() -> None:
    """Start the session's transaction as a write transaction (BEGIN IMMEDIATE on SQLite).

    Django: transaction.atomic() starts every write transaction IMMEDIATE (settings.py).
    """
    db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def utc_now() -> datetime:
    """Return the current time in UTC, with microseconds."""
    return datetime.now(UTC)


def same_as_created_at(context: DefaultExecutionContext) -> datetime:
    """Default updated_at to the new row's created_at, so both timestamps start equal."""
    return context.get_current_parameters()["created_at"]


def as_utc(value: datetime) -> datetime:
    """A stored time as an aware datetime in UTC."""
    # Flask: SQLite hands back naive datetimes (they were stored in UTC); PostgreSQL aware ones.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_timestamp(value: datetime) -> str:
    """Format a stored time as RFC 3339 UTC with microseconds and a Z."""
    return as_utc(value).strftime(TIMESTAMP_FORMAT)


class Item(db.Model):
    """Something in stock: a unique name, a description and a quantity."""

    # Django names the table <app>_<model>; both twins use that name so they share one schema.
    __tablename__ = "items_item"
    __table_args__ = (
        CheckConstraint(
            f"quantity >= 0 AND quantity <= {QUANTITY_MAX}", name="item_quantity_range"
        ),
    )

    # BIGINT like Django's BigAutoField, but INTEGER on SQLite, where only it auto-increments.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=same_as_created_at
    )

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Item {self.name!r}>"

    def to_dict(self) -> dict:
        """Return the item as the API shows it, keys in contract order."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "quantity": self.quantity,
            "created_at": format_timestamp(self.created_at),
            "updated_at": format_timestamp(self.updated_at),
        }


class User(UserMixin, db.Model):
    """Someone who can log in; the admin lets in active users with is_admin.

    Django: the built-in django.contrib.auth User, whose is_staff is this is_admin.
    """

    # Django's auth_user table name and column sizes, so the two schemas read alike.
    __tablename__ = "auth_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH), unique=True)
    # Werkzeug's salted hash, never the password itself (Django: PBKDF2 in the same column).
    password: Mapped[str] = mapped_column(String(256))
    is_admin: Mapped[bool] = mapped_column(default=False)
    # A column in place of UserMixin's property: Flask-Login refuses to log in inactive users.
    is_active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.username

    def __repr__(self) -> str:
        return f"<User {self.username!r}>"

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password."""
        self.password = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Whether the password matches the stored hash."""
        return check_password_hash(self.password, password)


class LoginAttempt(db.Model):
    """Failed admin logins of one username from one address, the latest at attempt_time.

    Django: django-axes' AccessAttempt (table axes_accessattempt), whose column names these are.
    """

    __tablename__ = "items_loginattempt"
    __table_args__ = (UniqueConstraint("username", "ip_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(ATTEMPT_USERNAME_MAX_LENGTH))
    ip_address: Mapped[str] = mapped_column(String(ADDRESS_MAX_LENGTH))
    failures_since_start: Mapped[int]
    attempt_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    def __str__(self) -> str:
        return f"{self.username} from {self.ip_address}"
