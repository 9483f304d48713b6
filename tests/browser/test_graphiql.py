"""GraphiQL at /api/graphql in headless Chromium with every request off loopback refused, as on a machine offline
or behind a firewall that blocks CDNs: the page must still load, explore the schema and run queries."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from browser_support import VIEWPORT, api, screenshot

pytestmark = pytest.mark.browser

TIMEOUT_MS = 20_000
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


class OfflineTab:
    """A browser context whose requests off loopback are aborted (and remembered), with the page's complaints."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport=VIEWPORT)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.refused: list[str] = []
        self.loaded: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOOPBACK:
            self.loaded.append(url)
            route.continue_()
        else:
            self.refused.append(url)
            route.abort("internetdisconnected")


@pytest.fixture
def offline(chromium):
    tab = OfflineTab(chromium)
    yield tab
    tab.context.close()


def editor_text(page, selector: str) -> str:
    return page.locator(f"{selector} .CodeMirror").first.evaluate("el => el.CodeMirror.getValue()")


def test_graphiql_explores_the_schema_and_runs_queries_with_no_network_but_loopback(offline, demo):
    page = offline.page
    page.goto(demo.base_url + "/api/graphql")
    page.wait_for_selector(".graphiql-query-editor .CodeMirror")

    # The explorer plugin lists the root fields as checkboxes to build a query from.
    page.get_by_label("Show GraphiQL Explorer").click()
    page.locator(".graphiql-explorer-root").get_by_text("jobs", exact=True).first.wait_for()

    # The docs: from the root type to the jobs field and its arguments, as introspection describes them.
    page.get_by_label("Show Documentation Explorer").click()
    docs = page.locator(".graphiql-doc-explorer")
    docs.get_by_text("Query", exact=True).first.click()
    docs.locator(".graphiql-doc-explorer-field-name", has_text=re.compile(r"^jobs$")).click()
    docs.get_by_text("JobConnection", exact=True).first.wait_for()
    assert "Page size, 1 to 100." in docs.inner_text()

    # The shipped example query, run as the demo's browser (no token, loopback) against the stand-in.
    query = editor_text(page, ".graphiql-query-editor")
    page.get_by_label("Execute query (Ctrl-Enter)").click()
    page.wait_for_function(
        "() => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue().includes('\"data\"')")
    shown = json.loads(editor_text(page, ".graphiql-response"))
    with demo.client() as admin:
        expected = api(admin, query)
    assert shown["data"] == expected
    assert shown["data"]["viewer"]["userName"] == "admin@example.com"
    assert shown["data"]["jobs"]["nodes"], "the stand-in has jobs"
    screenshot(page, "graphiql")

    # The run is in the history, and the query is in the URL, so a reload or a link brings it back.
    page.get_by_label("Show History").click()
    page.locator(".graphiql-history-items li").first.wait_for()
    assert "q=" in page.url
    page.reload()
    page.wait_for_selector(".graphiql-query-editor .CodeMirror")
    assert editor_text(page, ".graphiql-query-editor") == query

    assert offline.refused == [], "the page tried to load from outside the app"
    assert all(urlsplit(url).path.startswith(("/api/graphql", "/assets/")) for url in offline.loaded), offline.loaded
    assert not offline.errors, offline.errors
