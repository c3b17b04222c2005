"""The models: Item; User, the admin's users; LoginAttempt, their failed logins."""

import secrets
from datetime import UTC, datetime

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

NAME_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 2000
QUANTITY_MAX = 1_000_000
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
USERNAME_MAX_LENGTH = 150
SESSION_TOKEN_LENGTH = 64


class Base(DeclarativeBase):
    """Declarative base shared by every model of the app."""


# A write's answer is built from what was written, as Django's saved instance is: expired after
# COMMIT, the item would be read again, and a DELETE that committed in between made that a 500.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


def utc_now():
    """The current time in UTC, with microseconds."""
    return datetime.now(UTC)


def as_utc(value):
    """A stored time as an aware datetime in UTC (SQLite hands back naive ones, in UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_session_token():
    """A random session token, in hex."""
    return secrets.token_hex(SESSION_TOKEN_LENGTH // 2)


def as_json(value):
    """A column's value for the API: a time as RFC 3339 UTC with microseconds and a Z."""
    if isinstance(value, datetime):
        return as_utc(value).strftime(TIMESTAMP_FORMAT)
    return value


class Item(db.Model):
    """Something in stock: a unique name, a description and a quantity."""

    # Django's table name for the model (<app>_<model>), so that the twins share one schema.
    __tablename__ = "items_item"
    __table_args__ = (
        CheckConstraint(
            f"quantity >= 0 AND quantity <= {QUANTITY_MAX}", name="item_quantity_range"
        ),
        # A deleted item's id is never given again, as in Django's table: SQLite otherwise gives
        # the newest row the largest id plus one, a deleted item's when the newest was deleted.
        {"sqlite_autoincrement": True},
    )

    # BIGINT like Django's BigAutoField, but INTEGER on SQLite, where only it auto-increments.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    # The ORM sends an UPDATE only for a net change, so updated_at moves only when a value does.
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, onupdate=utc_now
    )

    def __str__(self):
        return self.name

    @classmethod
    def defaults(cls):
        """Each column's fixed default (Django: a new Item() has its fields' defaults already)."""
        return {
            column.key: column.default.arg
            for column in cls.__table__.columns
            if column.default is not None and column.default.is_scalar
        }

    def to_dict(self):
        """The item as the API shows it: every column, in order; times RFC 3339 in UTC."""
        return {column.key: as_json(getattr(self, column.key)) for column in self.__table__.columns}


class User(UserMixin, db.Model):
    """Someone who can log in (Django: django.contrib.auth's User; is_staff is is_admin)."""

    # Django's auth_user table name and column sizes, so the two schemas read alike.
    __tablename__ = "auth_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH), unique=True)
    # Werkzeug's salted hash, never the password itself (Django: PBKDF2 in the same column).
    password: Mapped[str] = mapped_column(String(256))
    is_admin: Mapped[bool] = mapped_column(default=False)
    # A column in place of UserMixin's property: Flask-Login refuses to log in inactive users.
    is_active: Mapped[bool] = mapped_column(default=True)
    # What the session cookie names the user by (Flask-Login's alternative token): the cookie is
    # signed, not stored, so only a new token ends its sessions (Django: the session auth hash).
    session_token: Mapped[str] = mapped_column(
        String(SESSION_TOKEN_LENGTH), unique=True, default=new_session_token
    )

    def __str__(self):
        return self.username

    def get_id(self):
        """The value Flask-Login keeps in the session: the token, not the id."""
        return self.session_token

    def end_sessions(self):
        """End every session of the user: their cookies name a token the user no longer has."""
        self.session_token = new_session_token()

    def set_password(self, password):
        """Store a salted hash of the password; every session of the user ends."""
        self.password = generate_password_hash(password)
        self.end_sessions()

    def check_password(self, password):
        """Whether the password matches the stored hash."""
        return check_password_hash(self.password, password)


class LoginAttempt(db.Model):
    """Failed logins of one username from one address (Django: django-axes' AccessAttempt)."""

    __tablename__ = "items_loginattempt"
    __table_args__ = (UniqueConstraint("username", "ip_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(255))
    ip_address: Mapped[str] = mapped_column(String(45))
    failures_since_start: Mapped[int]
    attempt_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    def __str__(self):
        return f"{self.username} from {self.ip_address}"
