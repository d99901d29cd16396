"""The login form's CSRF token (before there is a session): bound to the browser's pre-session
cookie, signed with the secret key, and valid only for the login form's lifetime."""

from __future__ import annotations

import time

from verbund.service import TokenSigner

KEY = "unit-test-secret-key"


def test_a_login_token_is_valid_for_its_own_cookie_only() -> None:
    signer = TokenSigner(KEY, 3600)
    token = signer.login_csrf_token("nonce-of-this-browser")
    assert signer.login_csrf_valid("nonce-of-this-browser", token)
    assert not signer.login_csrf_valid("nonce-of-another-browser", token)


def test_a_login_token_signed_with_another_key_is_refused() -> None:
    token = TokenSigner("another-key", 3600).login_csrf_token("nonce")
    assert not TokenSigner(KEY, 3600).login_csrf_valid("nonce", token)


def test_a_sessions_csrf_token_is_no_login_token() -> None:
    signer = TokenSigner(KEY, 3600)
    assert not signer.login_csrf_valid("nonce", signer.csrf_token("nonce"))


def test_a_login_token_expires_with_the_login_forms_lifetime() -> None:
    signer = TokenSigner(KEY, 3600, login_form_lifetime=1)
    token = signer.login_csrf_token("nonce")
    assert signer.login_csrf_valid("nonce", token)
    time.sleep(2.1)  # itsdangerous counts whole seconds: now at least 2 > 1
    assert not signer.login_csrf_valid("nonce", token)
