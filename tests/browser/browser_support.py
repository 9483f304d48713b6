"""Headless Chromium for the browser tests, driven by Playwright's Python client against Debian's chromium (the
browser builds Playwright would download are not needed, and not reachable here)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import httpx

from shifted_clock import chromium_env, shifted

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 860}


def launch_chromium(playwright):
    """Debian's Chromium, headless, in the environment that works in the shifted-clock runs too (shifted_clock.py)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True, env=chromium_env())


def money(amount: str) -> str:
    """The UI's Intl.NumberFormat("en-US", USD) rendering of an API amount."""
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def ui_window_end(freshness: dict) -> datetime:
    """Where the UI's windows end: the newest system-table data, capped at the server's clock, up to 5 minutes."""
    newest = max(datetime.fromisoformat(t) for t in (freshness["latestRunPeriodEndTime"],
                                                      freshness["latestUsageEndTime"]) if t)
    newest = min(newest, datetime.fromisoformat(freshness["checkedAt"]))
    epoch = newest.timestamp()
    return datetime.fromtimestamp(-(-epoch // 300) * 300, tz=timezone.utc)


def window(end: datetime, *, days: float = 0, hours: float = 0) -> dict:
    start = end - timedelta(days=days, hours=hours)
    return {"start": start.isoformat(), "end": end.isoformat()}


def api(client: httpx.Client, query: str, variables: dict | None = None) -> dict:
    body = client.post("/api/graphql", json={"query": query, "variables": variables or {}}).json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


def screenshot(page, name: str, *, full_page: bool = False) -> Path:
    """Rewrites docs/screenshots/<name>.png; in the shifted-clock runs a temporary copy, so the committed pictures
    are always the unshifted run's (the browser's own clock dates a few labels, such as a running run's age)."""
    directory = Path(tempfile.gettempdir()) / "gql-monitor-screenshots" if shifted() else SCREENSHOTS
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    # A page, or one element of it (a Locator has no full_page).
    extra = {"full_page": full_page} if hasattr(page, "goto") else {}
    page.screenshot(path=str(path), animations="disabled", **extra)
    return path
