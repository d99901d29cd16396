"""User accounts in the ``users`` table: name, password hash, role and provider.

    add_user(database, User("anna", hash, "agent", "A"))
    user = get_user(database, "anna")          # None if there is no such user
    list_users(database, provider="A")          # all of one provider; None: everyone

Hashing and checking passwords is the service's business (``verbund.service.accounts``); this
module stores what it is given and refuses what the table would refuse, with a message.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from verbund.store.database import Database, translate_errors
from verbund.store.errors import StoreError
from verbund.store.tables import NAME, ROLES, users

__all__ = ["ROLES", "User", "add_user", "delete_user", "get_user", "list_users", "update_user"]


@dataclass(frozen=True, slots=True)
class User:
    name: str
    password_hash: str
    role: str  # coordinator | provider_admin | supervisor | agent
    provider: str | None = None  # every role but coordinator belongs to one provider


def _check(user: User) -> None:
    if not user.name or len(user.name) > NAME:
        raise StoreError(f"user name {user.name!r}: expected 1 to {NAME} characters")
    if user.role not in ROLES:
        raise StoreError(f"role {user.role!r}: expected one of {', '.join(ROLES)}")
    if (user.role == "coordinator") != (user.provider is None):
        raise StoreError(
            "a coordinator belongs to no provider; every other role belongs to exactly one"
            f" (user {user.name!r}, role {user.role}, provider {user.provider!r})"
        )


def add_user(database: Database, user: User) -> None:
    """Create ``user``; a :class:`StoreError` if the name is taken."""
    _check(user)
    try:
        with translate_errors(f"adding user {user.name!r}"), database.write() as connection:
            connection.execute(
                users.insert().values(
                    name=user.name,
                    password_hash=user.password_hash,
                    role=user.role,
                    provider=user.provider,
                )
            )
    except StoreError as exc:
        if isinstance(exc.__cause__, IntegrityError):
            raise StoreError(f"user {user.name!r} exists already: choose another name") from exc
        raise


def update_user(database: Database, user: User) -> bool:
    """Replace the stored user of that name; False if there is none."""
    _check(user)
    with translate_errors(f"updating user {user.name!r}"), database.write() as connection:
        result = connection.execute(
            users.update()
            .where(users.c.name == user.name)
            .values(password_hash=user.password_hash, role=user.role, provider=user.provider)
        )
        return bool(result.rowcount)


def get_user(database: Database, name: str) -> User | None:
    with translate_errors(f"reading user {name!r}"), database.read() as connection:
        row = connection.execute(
            sa.select(users.c.name, users.c.password_hash, users.c.role, users.c.provider).where(
                users.c.name == name
            )
        ).first()
    return None if row is None else User(*row)


def list_users(database: Database, *, provider: str | None = None) -> list[User]:
    """Users by name; with ``provider``, only that provider's."""
    query = sa.select(users.c.name, users.c.password_hash, users.c.role, users.c.provider).order_by(
        users.c.name
    )
    if provider is not None:
        query = query.where(users.c.provider == provider)
    with translate_errors("listing users"), database.read() as connection:
        return [User(*row) for row in connection.execute(query)]


def delete_user(database: Database, name: str) -> bool:
    """Delete the user; False if there was none."""
    with translate_errors(f"deleting user {name!r}"), database.write() as connection:
        return bool(connection.execute(users.delete().where(users.c.name == name)).rowcount)
