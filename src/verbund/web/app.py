"""The FastAPI application: JSON API under ``/api/v1``, WebSockets, health and metrics.

    app = create_app(service, settings)      # the service is started by the app's lifespan

Every error a client can cause is answered with a 4xx and ``{"detail": "..."}`` saying what was
wrong; a refused engine command is 409, something unknown 404, a bad configuration 422, a login
problem 401, a missing right 403; overload (too many requests in flight, or too many commands
waiting for a hotline's writer) is 503 with ``Retry-After``. Nothing a client sends gives a 500.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from verbund.errors import VerbundError
from verbund.service import ChatTokens, Service, Settings, TokenSigner
from verbund.web import (
    chat_api,
    chat_page,
    config_api,
    conversation_api,
    live_api,
    login,
    ops,
    pages,
    ws,
)
from verbund.web.errors import error_response, invalid_response
from verbund.web.lean import LeanRoutes
from verbund.web.metrics import Metrics

__all__ = ["create_app"]

log = logging.getLogger("verbund.web")


API_ROUTERS = (
    login.router,
    config_api.router,
    live_api.router,
    conversation_api.router,
    chat_api.router,
    ws.router,
)


def create_app(service: Service, settings: Settings, *, manage_service: bool = True) -> FastAPI:
    """The application around ``service``; with ``manage_service`` its lifespan starts and stops
    the service (the demo passes False and runs it itself)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if manage_service:
            await service.start()
        try:
            yield
        finally:
            if manage_service:
                await service.stop()

    app = FastAPI(
        title="Verbund",
        version="0.1.0",
        description="One national hotline staffed by many contact-center companies together.",
        lifespan=lifespan,
        openapi_url="/openapi.json",
        # Metrics are Prometheus (/metrics); FastAPI's OpenTelemetry hooks would only look up
        # the environment on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.service = service
    app.state.settings = settings
    app.state.signer = TokenSigner(settings.secret_key, settings.token_lifetime)
    app.state.chat_tokens = ChatTokens(settings.secret_key)
    app.state.chat_limits = chat_api.chat_limits(settings)
    app.state.principals = {}
    app.state.metrics = Metrics(service)

    _install_errors(app)
    _install_middleware(app, settings)
    for router in API_ROUTERS:
        app.include_router(router, prefix="/api/v1")
    app.include_router(ops.router)
    app.include_router(pages.router)
    app.include_router(chat_page.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    return app


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(VerbundError)
    async def verbund_error(request: Request, exc: VerbundError) -> Response:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return invalid_response(exc.errors())

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": "internal error: the request was not completed; it has been logged"},
            status_code=500,
        )


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    """Shedding and latency, as plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` (what
    ``@app.middleware("http")`` builds) runs every request in an extra task group and cost more
    CPU than the request itself under load."""
    # Inside ShedAndMeasure (added first); the API's routers, as create_app includes them.
    app.add_middleware(LeanRoutes, routers=[("/api/v1", r) for r in API_ROUTERS])
    app.add_middleware(ShedAndMeasure, limit=settings.max_inflight, metrics=app.state.metrics)


OVERLOADED = json.dumps({"detail": "the service is overloaded: try again in a second"}).encode()


class ShedAndMeasure:
    """Answers 503 with Retry-After to API requests beyond ``limit`` in flight, and measures the
    latency of every HTTP request by route (until its response has been sent)."""

    def __init__(self, app: ASGIApp, *, limit: int, metrics: Metrics) -> None:
        self.app = app
        self.limit = limit
        self.metrics = metrics
        self.inflight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.inflight >= self.limit and scope["path"].startswith("/api/"):
            self.metrics.shed.inc()
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(OVERLOADED)).encode()),
                        (b"retry-after", b"1"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": OVERLOADED})
            return
        self.inflight += 1
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.inflight -= 1
            path = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.latency.labels(scope["method"], path).observe(
                time.perf_counter() - started
            )
