"""`/api/health` is answered from state refreshed in the background: however many callers ask, the sources see a
bounded number of checks, and a failing source is described by a fixed phrase, never by upstream text."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx

from conftest import RunningMonitor, monitor_settings
from gql_monitor.http.health import CREDENTIALS_REJECTED, HealthCheck


def freshness_statements(workspace) -> int:
    return sum(1 for s in workspace.state.statements if "latest_usage_end_time" in s.statement)


def test_many_health_calls_send_a_bounded_number_of_statements(workspace):
    settings = monitor_settings(workspace, health_refresh_seconds=3600)
    with RunningMonitor(settings) as mon:
        before = freshness_statements(workspace)

        def ask(_) -> list[int]:
            with httpx.Client(base_url=mon.base_url) as client:  # no token: health is public
                return [client.get("/api/health").status_code for _ in range(12)]

        with ThreadPoolExecutor(16) as pool:
            statuses = [status for statuses in pool.map(ask, range(16)) for status in statuses]
        after = freshness_statements(workspace)
        body = httpx.get(mon.base_url + "/api/health").json()
    assert set(statuses) == {200}
    # One check when the app started (or the first call, if it came first); nothing per call.
    assert after - before <= 1, after - before
    assert body["status"] == "ok" and body["freshness"]["latestUsageEndTime"] is not None


def test_rejected_app_credentials_say_so_without_upstream_text(workspace):
    with RunningMonitor(monitor_settings(workspace, client_secret="not-the-secret")) as mon:
        response = httpx.get(mon.base_url + "/api/health", timeout=60)
    assert response.status_code == 503
    body = response.json()
    rejected = {"ok": False, "error": {"code": "UNAUTHENTICATED", "message": CREDENTIALS_REJECTED}}
    assert body["sources"] == {"warehouse": rejected, "jobsApi": rejected}, body
    assert CREDENTIALS_REJECTED == "credentials rejected"
    for upstream in ("invalid_client", "Client authentication", "local-sp", "secret", "oidc"):
        assert upstream not in response.text, upstream


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_on_demand_refreshes_happen_at_most_once_per_interval():
    """The scheduling alone, with a clock the test moves and a probe that counts."""
    clock, probes = _Clock(), []

    async def probe():
        probes.append(clock.now)
        await asyncio.sleep(0)
        return {"status": "ok", "n": len(probes)}, 200

    async def scenario():
        check = HealthCheck(probe, interval_seconds=30, clock=clock)
        answers = await asyncio.gather(*(check.current() for _ in range(50)))  # cold: one probe for all
        assert len(probes) == 1 and {a[0]["n"] for a in answers} == {1}
        clock.now += 29
        answers = await asyncio.gather(*(check.current() for _ in range(50)))
        assert len(probes) == 1 and {a[0]["ageSeconds"] for a in answers} == {29.0}
        clock.now += 2  # stale: the first caller starts one refresh; everyone is answered at once, from the last state
        answers = await asyncio.gather(*(check.current() for _ in range(50)))
        await check.settled()
        assert len(probes) == 2 and {a[1] for a in answers} == {200}
        # Answered from the last state while the refresh ran; the refreshed state is new.
        assert {a[0]["ageSeconds"] for a in answers} == {31.0} and (await check.current())[0]["ageSeconds"] == 0
        clock.now += 10
        await asyncio.gather(*(check.current() for _ in range(50)))
        await check.settled()
        assert len(probes) == 2
        assert (await check.current())[0]["n"] == 2

    asyncio.run(scenario())


def test_while_a_source_fails_callers_see_recovery_within_seconds():
    clock, probes = _Clock(), []

    async def probe():
        probes.append(clock.now)
        return {"status": "degraded" if len(probes) == 1 else "ok"}, 503 if len(probes) == 1 else 200

    async def scenario():
        check = HealthCheck(probe, interval_seconds=30, clock=clock)
        assert (await check.current())[1] == 503
        clock.now += 4
        await check.current()
        await check.settled()
        assert len(probes) == 1
        clock.now += 2  # failing: 5 s is old enough
        await check.current()
        await check.settled()
        assert len(probes) == 2 and (await check.current())[1] == 200
        clock.now += 6  # healthy again: the full interval applies
        await check.current()
        await check.settled()
        assert len(probes) == 2

    asyncio.run(scenario())
