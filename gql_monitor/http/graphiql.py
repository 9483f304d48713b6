"""GraphiQL's page at /api/graphql, from the package.

`web/src/graphiql` bundles GraphiQL with React into gql_monitor/static (built and committed like the UI, see
docs/ui.md), so the page loads nothing but same-origin files: it works offline and wherever a CDN is blocked, under
the app's own Content-Security-Policy. Strawberry's built-in page would load its scripts from unpkg.com.
"""

from __future__ import annotations

from fastapi.responses import FileResponse, JSONResponse, Response

from gql_monitor.http.spa import STATIC_DIR

PAGE = STATIC_DIR / "graphiql.html"


def graphiql_page() -> Response:
    if not PAGE.is_file():
        return JSONResponse({"detail": "GraphiQL is not built: run `npm run build` in web/ (see docs/ui.md)."},
                            status_code=404)
    return FileResponse(PAGE, media_type="text/html")
