"""The lean way through (verbund.web.lean): which routes take it, and that it answers bad input
as FastAPI's way does — a 4xx naming what was wrong — against a running server."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from tests.web.server import Server
from verbund.web import live_api
from verbund.web.app import API_ROUTERS
from verbund.web.lean import lean_route

H = "/api/v1/hotlines/h1"


def _routes() -> dict[tuple[str, str], APIRoute]:
    return {
        (method, route.path): route
        for router in API_ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }


def test_every_command_of_the_live_api_takes_the_lean_way() -> None:
    commands = [
        route
        for route in live_api.router.routes
        if isinstance(route, APIRoute) and route.methods == {"POST"}
    ]
    assert len(commands) >= 15
    for route in commands:
        assert lean_route(route, "/api/v1") is not None, route.path


def test_forms_and_answers_without_a_model_take_fastapis_way() -> None:
    routes = _routes()
    assert lean_route(routes["POST", "/auth/token"]) is None  # a form
    assert lean_route(routes["DELETE", "/users/{name}"]) is None  # 204, no response model


def test_a_body_that_is_not_json_is_refused_saying_what_to_send(sqlite_server: Server) -> None:
    response = sqlite_server.post(
        f"{H}/contacts",
        "koordination",
        content=b"topic=termin",
        headers={"content-type": "text/plain"},
    )
    assert response.status_code == 422
    assert "Content-Type: application/json" in response.json()["detail"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"topic": "termin",', "body"),  # broken JSON
        (b'{"language": "de"}', "topic: Field required"),
        (b'{"topic": "termin", "colour": "blue"}', "colour: Extra inputs are not permitted"),
        (b'{"topic": "termin", "priority": 5000}', "priority: Input should be less than or equal"),
    ],
)
def test_an_invalid_body_is_refused_naming_the_field(
    sqlite_server: Server, content: bytes, expected: str
) -> None:
    response = sqlite_server.post(
        f"{H}/contacts",
        "koordination",
        content=content,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert expected in response.json()["detail"]
    assert all(error["loc"][0] == "body" for error in response.json()["errors"])


def test_a_missing_body_is_refused(sqlite_server: Server) -> None:
    response = sqlite_server.post(f"{H}/contacts", "koordination")
    assert response.status_code == 422
    assert response.json()["detail"] == "body: Field required"


def test_an_optional_body_may_be_left_out(sqlite_server: Server) -> None:
    assert sqlite_server.post(f"{H}/agents/a1/login", "a1").status_code == 200
    response = sqlite_server.post(f"{H}/agents/a1/not-ready", "a1")
    assert response.status_code == 200, response.text
    assert sqlite_server.post(f"{H}/agents/a1/logout", "a1").status_code == 200


def test_without_a_login_the_answer_is_401_with_the_bearer_challenge(sqlite_server: Server) -> None:
    response = sqlite_server.post(f"{H}/contacts", None, json={"topic": "termin"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "/api/v1/auth/token" in response.json()["detail"]


def test_the_lean_answer_has_the_routes_status_and_model(sqlite_server: Server) -> None:
    response = sqlite_server.post(
        f"{H}/contacts",
        "koordination",
        json={"topic": "termin", "language": "en", "caller": "+4930"},
    )
    assert response.status_code == 201  # the route's status_code
    body = response.json()
    assert set(body) == set(
        _routes()["POST", "/hotlines/{hotline}/contacts"].response_model.model_fields
    )
    sqlite_server.post(f"{H}/contacts/{body['contact']}/abandon", "koordination")


def test_latency_is_measured_by_route_template(sqlite_server: Server) -> None:
    sqlite_server.get(f"{H}/state", "koordination")
    metrics = sqlite_server.get("/metrics", None).text
    assert 'route="/api/v1/hotlines/{hotline}/state"' in metrics
    assert 'route="/api/v1/hotlines/h1/state"' not in metrics
