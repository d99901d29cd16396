"""Logging in: the OAuth2 password flow for the API, and who am I."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request

from verbund.service import AccountError
from verbund.service.accounts import verify_login
from verbund.web.auth import CurrentPrincipal, service_of, signer_of

router = APIRouter(tags=["auth"])


@router.post("/auth/token", summary="Log in (OAuth2 password flow): a bearer token")
async def token(
    request: Request,
    username: Annotated[str, Form(min_length=1, max_length=200)],
    password: Annotated[str, Form(min_length=1, max_length=500)],
) -> dict[str, Any]:
    service = service_of(request)
    try:
        user = await asyncio.to_thread(verify_login, service.database, username, password)
    except AccountError:
        raise
    signer = signer_of(request)
    return {
        "access_token": signer.issue(user),
        "token_type": "bearer",
        "expires_in": int(signer.lifetime),
        "role": user.role,
        "provider": user.provider,
    }


@router.get("/auth/me", summary="Who is logged in")
async def me(principal: CurrentPrincipal) -> dict[str, Any]:
    return {"name": principal.name, "role": principal.role, "provider": principal.provider}
