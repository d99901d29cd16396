"""Operations: ``/healthz`` for load balancers and ``/metrics`` for Prometheus."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Is every hotline's engine running?")
async def healthz(request: Request) -> Response:
    service = request.app.state.service
    hotlines: dict[str, Any] = {
        name: {
            "running": h.runner.running,
            "journal_seq": h.runner.last_seq,
            "pending": h.runner.pending,
        }
        for name, h in sorted(service.hotlines.items())
    }
    healthy = all(h["running"] for h in hotlines.values())
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "hotlines": hotlines},
        status_code=200 if healthy else 503,
    )


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
