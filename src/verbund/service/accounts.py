"""Accounts: password hashing (argon2), roles, and signed tokens for sessions and the API.

Roles, from widest to narrowest:

* ``coordinator`` — the whole alliance: every hotline, provider, agent and contact;
* ``provider_admin`` — one provider: its users, agents and pledges;
* ``supervisor`` — one provider: its agents and contacts in real time;
* ``agent`` — oneself: the user name is the agent's name.

A token is the user's name and role signed with the service's secret key (itsdangerous), with
an expiry; the same token travels as a bearer token (API) or in the session cookie (pages).
Tokens carry the password hash's tail, so changing a password ends the old sessions.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from verbund.errors import VerbundError
from verbund.store import Database, StoreError, User, add_user, get_user
from verbund.store.tables import ROLES

__all__ = [
    "ROLES",
    "AccountError",
    "Principal",
    "TokenSigner",
    "create_user",
    "hash_password",
    "verify_login",
]

MIN_PASSWORD = 8
_hasher = PasswordHasher()
# Verifying against this keeps the time of a login with an unknown name like a known one.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(VerbundError):
    """A login, token or account request that cannot be granted; the message says why."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a user with a role, and the provider they belong to (None: coordinator)."""

    name: str
    role: str
    provider: str | None

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"

    def sees_provider(self, provider: str | None) -> bool:
        """Whether this user may see the people and contacts of ``provider``."""
        return self.is_coordinator or (provider is not None and provider == self.provider)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password: expected at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def create_user(
    database: Database, name: str, password: str, role: str, provider: str | None
) -> User:
    """Add a user with a hashed password; refuses unknown roles and a missing provider."""
    if role not in ROLES:
        raise AccountError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    if role == "coordinator" and provider is not None:
        raise AccountError("a coordinator belongs to no provider: leave the provider out")
    if role != "coordinator" and not provider:
        raise AccountError(f"role {role}: name the provider the user belongs to")
    user = User(name, hash_password(password), role, provider)
    try:
        add_user(database, user)
    except StoreError as exc:
        raise AccountError(str(exc)) from exc
    return user


def verify_login(database: Database, name: str, password: str) -> User:
    """The user if ``password`` is theirs; otherwise one :class:`AccountError` for both cases."""
    user = get_user(database, name)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError) as exc:
        raise AccountError("unknown user name or wrong password") from exc
    if user is None:
        raise AccountError("unknown user name or wrong password")
    return user


class TokenSigner:
    """Issues and checks signed, expiring tokens."""

    def __init__(
        self, secret_key: str, lifetime: float, *, login_form_lifetime: float = 3600.0
    ) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="verbund-login")
        self._csrf = URLSafeSerializer(secret_key, salt="verbund-csrf")
        self._login_csrf = URLSafeTimedSerializer(secret_key, salt="verbund-login-csrf")
        self.lifetime = lifetime
        self.login_form_lifetime = login_form_lifetime

    def csrf_token(self, session: str) -> str:
        """The token that the pages' forms and scripts send back with the session ``session``
        (the login cookie): bound to that session, signed, so another site cannot make one."""
        return self._csrf.dumps(_session_id(session))

    def csrf_valid(self, session: str, token: str) -> bool:
        try:
            found = self._csrf.loads(token)
        except BadSignature:
            return False
        return isinstance(found, str) and hmac.compare_digest(found, _session_id(session))

    def login_csrf_token(self, nonce: str) -> str:
        """The token of the login form, before there is a session: bound to ``nonce``, the random
        value of the browser's short-lived pre-session cookie, signed and timed, so another site
        can neither read nor make one (Django's login CSRF, with a signed token)."""
        return self._login_csrf.dumps(_session_id(nonce))

    def login_csrf_valid(self, nonce: str, token: str) -> bool:
        """Whether ``token`` was made for ``nonce`` at most ``login_form_lifetime`` ago."""
        try:
            found = self._login_csrf.loads(token, max_age=int(self.login_form_lifetime))
        except BadSignature:  # SignatureExpired too
            return False
        return isinstance(found, str) and hmac.compare_digest(found, _session_id(nonce))

    def issue(self, user: User) -> str:
        return self._serializer.dumps(
            [user.name, user.role, user.provider, user.password_hash[-8:]]
        )

    def check(self, token: str, database: Database) -> Principal:
        try:
            name, role, _provider, tail = self._serializer.loads(token, max_age=int(self.lifetime))
        except SignatureExpired as exc:
            raise AccountError("the login has expired: log in again") from exc
        except (BadSignature, ValueError, TypeError) as exc:
            raise AccountError("not a valid login token: log in again") from exc
        user = get_user(database, name)
        if user is None or user.password_hash[-8:] != tail or user.role != role:
            raise AccountError("this login is no longer valid: log in again")
        return Principal(user.name, user.role, user.provider)


def _session_id(session: str) -> str:
    return hashlib.sha256(session.encode()).hexdigest()[:32]
