"""Property-based: schemathesis generates requests — valid ones and invalid ones — for every
operation of ``/openapi.json`` on a running server and sends them as the coordinator (who
reaches the most code). No answer may be a 500, and every 4xx but a 404 must say what was wrong.

(schemathesis' own pytest plugin does not work with this pytest; the strategies are driven by
Hypothesis directly, one operation and generation mode at a time.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from tests.web.conftest import backend_url
from tests.web.server import Server, running_server, two_provider_config

EXAMPLES = 25  # per operation and generation mode


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with (
        backend_url("sqlite", tmp_path_factory) as url,
        running_server(url, two_provider_config("h1"), tmp_path_factory.mktemp("log")) as live,
    ):
        yield live


def _strategy(operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode) -> object:
    """Requests for ``operation``; where the path names a hotline, mostly hotline h1, so that
    they get past the lookup and into the code behind it."""
    strategy = operation.as_strategy(generation_mode=mode)
    if "{hotline}" not in operation.path:
        return strategy
    return strategy | operation.as_strategy(generation_mode=mode, path_parameters={"hotline": "h1"})


def test_no_generated_request_is_answered_with_a_server_error(fuzzed: Server) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed.base_url}/openapi.json")
    headers = fuzzed.headers("koordination")
    problems: list[str] = []
    operations = runs = 0

    def check(case: schemathesis.Case) -> None:
        response = case.call(headers=headers, timeout=30)
        where = f"{case.method} {case.formatted_path}"
        if response.status_code >= 500 and response.status_code != 503:
            problems.append(f"{where} → {response.status_code}: {response.text[:300]}")
        elif 400 <= response.status_code < 500 and response.status_code != 404:
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = None
            if not detail:
                problems.append(f"{where} → {response.status_code} without a detail")

    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in schemathesis.GenerationMode:
            run = settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )(given(case=_strategy(operation, mode))(check))
            try:
                run()
            except Unsatisfiable:  # nothing to get wrong (no parameters, no body)
                assert mode is schemathesis.GenerationMode.NEGATIVE
                continue
            runs += 1
    assert operations >= 30  # every route was fuzzed
    assert runs > operations  # … and most with invalid input too
    assert problems == []
