"""The lean way through for the API's commands: the same route functions, less machinery.

At a thousand contact arrivals a second, FastAPI's generic handling of a request (its middleware
stack, the routing through included routers, solving dependencies, validating the response) cost
several times what the command itself costs (BENCHMARKS.md, "Live service"). :class:`LeanRoutes`
sits in front of the FastAPI application and takes the requests of every API route whose
parameters are only

* path parameters of type ``str``,
* the ``Request``,
* the logged-in principal (:data:`verbund.web.auth.CurrentPrincipal`),
* and at most one JSON body (a pydantic model, optional or not),

and that declares a response model. For those it matches the path, checks the login, validates the
body with the route's own model, calls the route's own function and writes what it returns with the
route's own response model and status code. So the OpenAPI document, the validation rules, the
status codes and the error answers (:mod:`verbund.web.errors`) stay those of the route definition;
only the path through the code is shorter. Every other request goes to FastAPI unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from inspect import iscoroutinefunction
from typing import Any

from fastapi import params
from fastapi.routing import APIRoute, APIRouter
from pydantic import TypeAdapter, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from verbund.errors import VerbundError
from verbund.web.auth import current_principal, principal_of
from verbund.web.errors import error_response, invalid_response

__all__ = ["LeanRoutes", "lean_route"]

MAX_BODY = 1 << 20  # bytes; the commands' bodies are a few hundred
_UNSUPPORTED = (
    "websocket_param_name",
    "http_connection_param_name",
    "response_param_name",
    "background_tasks_param_name",
    "security_scopes_param_name",
)


@dataclass(frozen=True, slots=True)
class LeanRoute:
    """How to handle one route's requests without FastAPI's machinery."""

    path: str  # the route's full path, as FastAPI names it (the metrics' label)
    path_regex: re.Pattern[str]
    endpoint: Callable[..., Awaitable[Any]]
    path_names: tuple[str, ...]
    request_name: str | None
    principal_name: str | None
    body_name: str | None
    body: TypeAdapter[Any] | None
    body_required: bool
    status: int
    response: TypeAdapter[Any]


def lean_route(route: APIRoute, prefix: str = "") -> LeanRoute | None:
    """The lean handling of ``route`` (included with ``prefix``), or None when it takes anything
    but what the module's docstring lists (then FastAPI handles it)."""
    dependant = route.dependant
    endpoint = dependant.call
    if route.response_model is None or endpoint is None or not iscoroutinefunction(endpoint):
        return None
    if dependant.query_params or dependant.header_params or dependant.cookie_params:
        return None
    if any(getattr(dependant, name, None) for name in _UNSUPPORTED):
        return None
    for field in dependant.path_params:
        if field.field_info.annotation is not str or field.field_info.metadata:
            return None
    principal_name = None
    for sub in dependant.dependencies:
        if sub.call is not current_principal or sub.name is None or principal_name is not None:
            return None
        principal_name = sub.name
    if len(dependant.body_params) > 1:
        return None
    body_name, body, required = None, None, False
    if dependant.body_params:
        field = dependant.body_params[0]
        if isinstance(field.field_info, params.Form | params.File):
            return None
        annotation = field.field_info.annotation
        if annotation is None:
            return None
        body_name, required = field.name, field.field_info.is_required()
        body = TypeAdapter(annotation)
    path = prefix + route.path
    return LeanRoute(
        path=path,
        path_regex=compile_path(path)[0],
        endpoint=endpoint,
        path_names=tuple(field.name for field in dependant.path_params),
        request_name=dependant.request_param_name,
        principal_name=principal_name,
        body_name=body_name,
        body=body,
        body_required=required,
        status=route.status_code or 200,
        response=TypeAdapter(route.response_model),
    )


class LeanRoutes:
    """ASGI middleware: requests of lean routes are handled here, all others passed on.

    ``routers`` are the API's routers with their prefixes, in the order the application includes
    them; the first route that matches method and path decides, as in FastAPI. Their routes are
    read at the first request, when every route is defined.
    """

    def __init__(self, app: ASGIApp, *, routers: Sequence[tuple[str, APIRouter]]) -> None:
        self.app = app
        self.routers = routers
        self._table: dict[str, list[tuple[re.Pattern[str], LeanRoute | None]]] | None = None

    def _build(self) -> dict[str, list[tuple[re.Pattern[str], LeanRoute | None]]]:
        table: dict[str, list[tuple[re.Pattern[str], LeanRoute | None]]] = {}
        for prefix, router in self.routers:
            for route in router.routes:
                if not isinstance(route, APIRoute):
                    continue
                lean = lean_route(route, prefix)
                regex = lean.path_regex if lean else compile_path(prefix + route.path)[0]
                for method in route.methods or ():
                    table.setdefault(method, []).append((regex, lean))
        self._table = table
        return table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            table = self._table if self._table is not None else self._build()
            path = scope["path"]
            for regex, lean in table.get(scope["method"], ()):
                match = regex.match(path)
                if match is None:
                    continue
                if lean is not None:
                    scope["route"] = lean
                    await _handle(lean, match.groupdict(), scope, receive, send)
                    return
                break
        await self.app(scope, receive, send)


async def _handle(
    lean: LeanRoute, path: dict[str, str], scope: Scope, receive: Receive, send: Send
) -> None:
    request = Request(scope, receive)
    try:
        body = await _read_body(lean, request) if lean.body is not None else None
        kwargs: dict[str, Any] = {name: path[name] for name in lean.path_names}
        if lean.request_name is not None:
            kwargs[lean.request_name] = request
        if lean.principal_name is not None:
            kwargs[lean.principal_name] = await principal_of(request)
        if lean.body_name is not None:
            kwargs[lean.body_name] = _validate(lean, body)
        result = await lean.endpoint(**kwargs)
    except _Invalid as exc:
        await invalid_response(exc.errors)(scope, receive, send)
        return
    except VerbundError as exc:
        await error_response(exc)(scope, receive, send)
        return
    except HTTPException as exc:
        answer = JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
        await answer(scope, receive, send)
        return
    content = lean.response.dump_json(result)
    await send(
        {
            "type": "http.response.start",
            "status": lean.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


class _Invalid(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


async def _read_body(lean: LeanRoute, request: Request) -> bytes | None:
    """The body's bytes (None when there are none), refused unless it is JSON and not too big."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise _Invalid([_error("too_long", f"the body is over {MAX_BODY} bytes")])
    raw = await request.body()
    if not raw:
        return None
    if len(raw) > MAX_BODY:
        raise _Invalid([_error("too_long", f"the body is over {MAX_BODY} bytes")])
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != "application/json" and not (
        kind.startswith("application/") and kind.endswith("+json")
    ):
        raise _Invalid(
            [_error("content_type", "send the body as JSON with Content-Type: application/json")]
        )
    return raw


def _validate(lean: LeanRoute, raw: bytes | None) -> Any:
    assert lean.body is not None
    if raw is None:
        if lean.body_required:
            raise _Invalid([_error("missing", "Field required")])
        return None
    try:
        return lean.body.validate_json(raw)
    except ValidationError as exc:
        raise _Invalid(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"type": kind, "loc": ("body",), "msg": message}
