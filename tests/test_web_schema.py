"""Schemathesis against the room's OpenAPI document: requests made from the document itself, valid
and not, never make the server fail (no 5xx but the pool's 503). Slow: hundreds of requests, each
a real solve, frontier or upload."""

from __future__ import annotations

import pytest
from conftest import SAMPLE
from hypothesis import HealthCheck, given, settings
from webserver import TOKEN, room

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")


@pytest.mark.slow
def test_the_api_never_fails_on_what_its_document_allows(tmp_path):
    with room([str(SAMPLE)], f"sqlite:///{tmp_path / 'record.db'}") as running:
        document = running.client.get("/openapi.json").json()
        schema = schemathesis.openapi.from_dict(document)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert {op.label for op in operations} >= {"POST /api/plans/{plan_id}/solve", "POST /api/plans"}
        pid = running.client.get("/api/plans").json()[0]["id"]
        sid = running.client.post(f"/api/plans/{pid}/scenarios", json={"name": "s", "budget": 9e6}).json()["id"]
        real = {"plan_id": pid, "scenario_id": sid, "initiative_id": "INI-001"}
        failures: list[str] = []
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def call(case) -> None:
                # the ids the server made, so the generated bodies and queries reach a solve
                for name, value in real.items():
                    if name in (case.path_parameters or {}):
                        case.path_parameters[name] = value
                response = case.call(base_url=running.url, headers={"authorization": f"Bearer {TOKEN}"})
                if response.status_code >= 500 and response.status_code != 503:
                    failures.append(f"{case.operation.label}: {response.status_code} {response.text[:300]}")

            call()
        assert failures == []
        assert running.client.get("/api/plans").status_code == 200, "the server lives on"
