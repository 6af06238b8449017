"""Property tests over the API's own OpenAPI document: no input reaches a 5xx.

Schemathesis generates valid and invalid requests for every operation of
``/openapi.json`` and sends them in-process (ASGI) to the real app, with an
installed mini_crm and an admin's bearer token. Half of the generated cases
have their ``{app}``/``{entity}`` set to the real app, so the fuzzing reaches
record routes rather than stopping at 404s. Bounded: a few examples per
operation and a time budget for the whole module per database.
"""

from __future__ import annotations

import random
import time
from typing import Any

import hypothesis
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.generation.case import Case

from api.app import create_app
from api.platform import Platform
from tests.conftest import login

#: Examples per operation and generation mode.
MAX_EXAMPLES = 15
#: Seconds for the whole run on one database; past it (a loaded machine), each
#: remaining operation still gets one example, so none goes untested.
BUDGET_SECONDS = 40.0
ENTITIES = ("customer", "opportunity")


def _aim_at_the_app(case: Case[Any], aim: bool, record: int) -> Case[Any]:
    """Point path parameters at the installed app half of the time."""
    if aim:
        params = case.path_parameters
        if "app" in params:
            params["app"] = "mini_crm"
        if "entity" in params:
            params["entity"] = random.Random(record).choice(ENTITIES)
        if "record_id" in params:
            params["record_id"] = record
    return case


def test_no_operation_answers_5xx(
    platform: Platform, client: TestClient, tenant: str, auth: dict[str, str], mini_crm: str
) -> None:
    client.post("/api/apps/mini_crm/customer", json={"name": "Acme"}, headers=auth)
    app = create_app(platform.settings, platform)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=auth)
    failures: list[str] = []
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the document itself must be valid
        operations.append(result.ok())
    assert len(operations) > 30
    deadline = time.monotonic() + BUDGET_SECONDS
    headers = dict(auth)

    for operation in operations:
        examples = MAX_EXAMPLES if time.monotonic() < deadline else 1
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )
        strategy = st.builds(_aim_at_the_app, cases, st.booleans(), st.integers(1, 3))

        @hypothesis.given(case=strategy)
        @hypothesis.settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Case[Any]) -> None:
            response = case.call(headers=headers)
            if case.operation.path.endswith("/auth/logout"):
                # Logging out ends the session the rest of the run uses: log in again,
                # or every later operation would only be fuzzing the 401.
                headers.update(login(client, tenant))
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} query={case.query!r} "
                    f"body={_short(case.body)} -> {response.status_code} {response.text[:200]}"
                )

        run()

    assert not failures, "5xx answers:\n" + "\n".join(failures)
    # The run fuzzed the operations as a signed-in admin to the end.
    assert client.get("/api/me", headers=headers).status_code == 200


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 300 else text[:300] + "…"
