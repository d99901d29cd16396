"""Configuration API: hotlines, topics, queues, providers, pledges, agents, users.

A change reaches the running engine at once (as a configuration command, journalled) and then
the tables; nothing needs a restart.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import APIRouter, Request, Response

from verbund.engine import (
    AgentConfigured,
    AgentRemoved,
    AgentSpec,
    Channel,
    HotlineConfig,
    ProviderConfigured,
    ProviderMode,
    ProviderSpec,
    RulesChanged,
    TopicConfigured,
    TopicSpec,
    parse_skill,
)
from verbund.errors import UnknownEntity
from verbund.planning.pledges import Pledge
from verbund.service import AccountError, Principal
from verbund.service.accounts import create_user, hash_password
from verbund.store import (
    StoreError,
    delete_user,
    get_user,
    list_users,
    load_pledges,
    load_title,
    save_pledges,
    update_user,
)
from verbund.store.codec import decode_rules, encode_rules
from verbund.store.users import User
from verbund.web.auth import CurrentPrincipal, require_coordinator, require_provider, service_of
from verbund.web.errors import Conflict, Forbidden
from verbund.web.schemas import (
    NAME_LENGTH,
    NAME_PATTERN,
    AgentBody,
    HotlineCreate,
    HotlinePatch,
    PledgeBody,
    ProviderBody,
    TopicBody,
    UserCreate,
    UserOut,
    UserPatch,
)

router = APIRouter(tags=["configuration"])


def _hotline_out(config: HotlineConfig, title: str | None = None) -> dict[str, Any]:
    return {
        "name": config.name,
        "title": title,
        "rules": encode_rules(config.rules),
        "topics": {t.name: {"languages": list(t.languages)} for t in config.topics},
        "queues": [
            f"{t.name}:{language}:{channel.value}"
            for t in config.topics
            for language in t.languages
            for channel in Channel
        ],
        "providers": [_provider_out(p) for p in config.providers],
    }


def _provider_out(spec: ProviderSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "mode": spec.mode.value,
        "share": spec.share,
        "label": spec.label,
        "serves": sorted(f"{t}:{lang}" for t, lang in spec.serves),
    }


def _agent_out(spec: AgentSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "provider": spec.provider,
        "skills": {f"{t}:{lang}": level for (t, lang), level in spec.skills.items()},
        "capacity": {channel.value: n for channel, n in spec.capacity.items()},
    }


def _rules(current: dict[str, Any], changes: dict[str, Any]) -> Any:
    merged = {**current, **changes}
    try:
        return decode_rules(merged)
    except StoreError as exc:
        raise StoreError(str(exc).replace("RoutingRules.", "rules.")) from exc


# --- hotlines and topics -------------------------------------------------------------------------


@router.get("/hotlines", summary="The hotlines")
async def hotlines(request: Request, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    service = service_of(request)
    return [{"name": name} for name in sorted(service.hotlines)]


@router.post("/hotlines", status_code=201, summary="Create a hotline (coordinator)")
async def create_hotline(
    request: Request, body: HotlineCreate, principal: CurrentPrincipal
) -> dict[str, Any]:
    require_coordinator(principal)
    service = service_of(request)
    rules = _rules(encode_rules(HotlineConfig(body.name, ()).rules), body.rules)
    topics = tuple(TopicSpec(name, tuple(t.languages)) for name, t in body.topics.items())
    await service.create_hotline(body.name, title=body.title, topics=topics, rules=rules)
    return _hotline_out(await service.config(body.name), body.title)


@router.get("/hotlines/{hotline}", summary="A hotline: rules, topics, queues, providers")
async def get_hotline(
    request: Request, hotline: str, principal: CurrentPrincipal
) -> dict[str, Any]:
    service = service_of(request)
    config = await service.config(hotline)
    return _hotline_out(config, await asyncio.to_thread(load_title, service.database, hotline))


@router.patch("/hotlines/{hotline}", summary="Change a hotline's title or rules (coordinator)")
async def patch_hotline(
    request: Request, hotline: str, body: HotlinePatch, principal: CurrentPrincipal
) -> dict[str, Any]:
    require_coordinator(principal)
    service = service_of(request)
    config = await service.config(hotline)
    if body.rules is not None:
        rules = _rules(encode_rules(config.rules), body.rules)
        await service.configure(hotline, RulesChanged(rules))
    if body.title is not None:
        await service.set_title(hotline, body.title)
    title = await asyncio.to_thread(load_title, service.database, hotline)
    return _hotline_out(await service.config(hotline), title)


@router.put("/hotlines/{hotline}/topics/{topic}", summary="Add a topic or languages (coordinator)")
async def put_topic(
    request: Request, hotline: str, topic: str, body: TopicBody, principal: CurrentPrincipal
) -> dict[str, Any]:
    require_coordinator(principal)
    _check_name(topic, "topic")
    service = service_of(request)
    await service.configure(hotline, TopicConfigured(TopicSpec(topic, tuple(body.languages))))
    config = await service.config(hotline)
    found = next(t for t in config.topics if t.name == topic)
    return {"name": topic, "languages": list(found.languages)}


# --- providers -----------------------------------------------------------------------------------


@router.get("/hotlines/{hotline}/providers", summary="The member providers")
async def get_providers(
    request: Request, hotline: str, principal: CurrentPrincipal
) -> list[dict[str, Any]]:
    return [_provider_out(p) for p in (await service_of(request).config(hotline)).providers]


@router.put(
    "/hotlines/{hotline}/providers/{provider}", summary="Add or change a provider (coordinator)"
)
async def put_provider(
    request: Request,
    hotline: str,
    provider: str,
    body: ProviderBody,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    require_coordinator(principal)
    _check_name(provider, "provider")
    if body.mode == "connected" and not body.label:
        raise StoreError("label: a connected provider needs a label (SIP URI or number)")
    spec = ProviderSpec(
        provider,
        ProviderMode(body.mode),
        body.share,
        body.label,
        frozenset(parse_skill(s) for s in body.serves),
    )
    await service_of(request).configure(hotline, ProviderConfigured(spec))
    return _provider_out(spec)


# --- agents --------------------------------------------------------------------------------------


async def _agents(request: Request, hotline: str) -> dict[str, AgentSpec]:
    config = await service_of(request).config(hotline)
    return {a.name: a for a in config.agents}


def _may_see_agent(principal: Principal, spec: AgentSpec) -> bool:
    if principal.role == "agent":
        return principal.name == spec.name and principal.provider == spec.provider
    return principal.sees_provider(spec.provider)


@router.get("/hotlines/{hotline}/agents", summary="Agents (of one's own provider)")
async def get_agents(
    request: Request, hotline: str, principal: CurrentPrincipal
) -> list[dict[str, Any]]:
    agents = await _agents(request, hotline)
    return [_agent_out(a) for a in agents.values() if _may_see_agent(principal, a)]


@router.get("/hotlines/{hotline}/agents/{agent}", summary="One agent")
async def get_agent(
    request: Request, hotline: str, agent: str, principal: CurrentPrincipal
) -> dict[str, Any]:
    spec = (await _agents(request, hotline)).get(agent)
    if spec is None or not _may_see_agent(principal, spec):
        raise UnknownEntity(f"no agent {agent!r} that you may see in hotline {hotline!r}")
    return _agent_out(spec)


@router.put(
    "/hotlines/{hotline}/agents/{agent}",
    summary="Add or change an agent (coordinator, provider admin)",
)
async def put_agent(
    request: Request, hotline: str, agent: str, body: AgentBody, principal: CurrentPrincipal
) -> dict[str, Any]:
    _check_name(agent, "agent")
    require_provider(principal, body.provider, admin=True)
    existing = (await _agents(request, hotline)).get(agent)
    if existing is not None and existing.provider != body.provider:
        require_provider(principal, existing.provider, admin=True)
    spec = AgentSpec(
        agent,
        body.provider,
        {parse_skill(s): level for s, level in body.skills.items()},
        {Channel(c): n for c, n in body.capacity.items()},
    )
    await service_of(request).configure(hotline, AgentConfigured(spec))
    return _agent_out(spec)


@router.delete(
    "/hotlines/{hotline}/agents/{agent}",
    status_code=204,
    summary="Remove an agent (coordinator, provider admin)",
)
async def delete_agent(
    request: Request, hotline: str, agent: str, principal: CurrentPrincipal
) -> Response:
    existing = (await _agents(request, hotline)).get(agent)
    if existing is None or not principal.sees_provider(existing.provider):
        raise UnknownEntity(f"no agent {agent!r} that you may see in hotline {hotline!r}")
    require_provider(principal, existing.provider, admin=True)
    await service_of(request).configure(hotline, AgentRemoved(agent))
    return Response(status_code=204)


# --- pledges -------------------------------------------------------------------------------------


@router.get("/hotlines/{hotline}/pledges", summary="Pledges per interval (of one's provider)")
async def get_pledges(
    request: Request, hotline: str, principal: CurrentPrincipal
) -> list[dict[str, Any]]:
    service = service_of(request)
    service.hotline(hotline)
    if principal.role == "agent":
        raise Forbidden("agents do not see pledges")
    rows = await asyncio.to_thread(load_pledges, service.database, hotline)
    return [
        {
            "provider": p.provider,
            "interval_start": p.interval_start.isoformat(),
            "agents": p.agents,
            "share": p.share,
        }
        for p in rows
        if principal.sees_provider(p.provider)
    ]


@router.put(
    "/hotlines/{hotline}/pledges",
    summary="Pledge agents per 15-minute interval (coordinator, provider admin)",
)
async def put_pledges(
    request: Request, hotline: str, body: list[PledgeBody], principal: CurrentPrincipal
) -> dict[str, int]:
    service = service_of(request)
    service.hotline(hotline)
    pledges = []
    for i, row in enumerate(body):
        require_provider(principal, row.provider, admin=True)
        start = row.interval_start
        if start.tzinfo is not None:
            raise StoreError(
                f"[{i}].interval_start: give the hotline's local time without a time zone"
            )
        if start.minute % 15 or start.second or start.microsecond:
            raise StoreError(
                f"[{i}].interval_start {start.isoformat()}: expected a 15-minute boundary "
                "(:00, :15, :30 or :45)"
            )
        pledges.append(Pledge(start, row.provider, row.agents, row.share))
    written = await asyncio.to_thread(save_pledges, service.database, hotline, pledges)
    return {"written": written}


# --- users ---------------------------------------------------------------------------------------


def _user_out(user: User) -> UserOut:
    return UserOut(name=user.name, role=user.role, provider=user.provider)


def _may_manage(principal: Principal, provider: str | None, role: str | None) -> None:
    if principal.is_coordinator:
        return
    if principal.role != "provider_admin":
        raise Forbidden("only the coordinator and provider admins manage users")
    if provider != principal.provider or role == "coordinator":
        raise Forbidden(f"a provider admin manages only users of provider {principal.provider!r}")


@router.get("/users", summary="Users (a provider admin: of their own provider)")
async def get_users(request: Request, principal: CurrentPrincipal) -> list[UserOut]:
    _may_manage(principal, principal.provider, None)
    database = service_of(request).database
    provider = None if principal.is_coordinator else principal.provider
    users = await asyncio.to_thread(list_users, database, provider=provider)
    return [_user_out(u) for u in users]


@router.post("/users", status_code=201, summary="Create a user")
async def post_user(request: Request, body: UserCreate, principal: CurrentPrincipal) -> UserOut:
    _may_manage(principal, body.provider, body.role)
    database = service_of(request).database
    try:
        user = await asyncio.to_thread(
            create_user, database, body.name, body.password, body.role, body.provider
        )
    except AccountError as exc:
        if "exists already" in str(exc):
            raise Conflict(str(exc)) from exc
        raise StoreError(str(exc)) from exc
    return _user_out(user)


async def _user(request: Request, name: str, principal: CurrentPrincipal) -> User:
    user = await asyncio.to_thread(get_user, service_of(request).database, name)
    if user is None or not (principal.is_coordinator or user.provider == principal.provider):
        raise UnknownEntity(f"no user {name!r} that you may see")
    _may_manage(principal, user.provider, user.role)
    return user


@router.get("/users/{name}", summary="One user")
async def get_one_user(request: Request, name: str, principal: CurrentPrincipal) -> UserOut:
    return _user_out(await _user(request, name, principal))


@router.patch("/users/{name}", summary="Change a user's password or role")
async def patch_user(
    request: Request, name: str, body: UserPatch, principal: CurrentPrincipal
) -> UserOut:
    user = await _user(request, name, principal)
    role = body.role or user.role
    _may_manage(principal, user.provider, role)
    if role == "coordinator" and user.provider is not None:
        raise StoreError("role: a user of a provider cannot become the coordinator")
    try:
        password_hash = hash_password(body.password) if body.password else user.password_hash
    except AccountError as exc:
        raise StoreError(str(exc)) from exc
    changed = User(user.name, password_hash, role, user.provider)
    await asyncio.to_thread(update_user, service_of(request).database, changed)
    request.app.state.principals.clear()
    return _user_out(changed)


@router.delete("/users/{name}", status_code=204, summary="Delete a user")
async def remove_user(request: Request, name: str, principal: CurrentPrincipal) -> Response:
    user = await _user(request, name, principal)
    if user.name == principal.name:
        raise Conflict("you cannot delete yourself: ask another admin")
    await asyncio.to_thread(delete_user, service_of(request).database, user.name)
    request.app.state.principals.clear()
    return Response(status_code=204)


def _check_name(value: str, what: str) -> None:
    """A name from the path, held to the same rule as names in bodies (``schemas.Name``)."""
    if len(value) > NAME_LENGTH or re.fullmatch(NAME_PATTERN, value) is None:
        raise StoreError(
            f"{what} {value!r}: expected 1 to {NAME_LENGTH} characters without / ? # : "
            "and without leading or trailing spaces"
        )
