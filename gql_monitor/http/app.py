"""The FastAPI application: health, GraphQL and the web UI, over one set of shared services."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI

from gql_monitor import __version__
from gql_monitor.graphql.schema import build_schema
from gql_monitor.http import compression, demo_sign_in, health, security, spa
from gql_monitor.http.cached_responses import CachedResponses
from gql_monitor.http.graphql_route import mount_graphql
from gql_monitor.http.identity import token_memory
from gql_monitor.http.request_hygiene import RequestLimits
from gql_monitor.http.request_log import RequestLog
from gql_monitor.http.readiness import Readiness
from gql_monitor.http.readiness import router as ready_router
from gql_monitor.services import Services
from gql_monitor.settings import Settings


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    services = services or Services.build(settings)

    health_check = health.for_services(services)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # /api/health answers from state this task keeps fresh (http/health.py).
        refresher = asyncio.create_task(health_check.run(), name="health-refresh")
        # With visibility by permissions, the jobs' permission lists are read before the first restricted caller.
        warming = (asyncio.create_task(services.visibility.permissions.warm(), name="permission-lists")
                   if services.visibility.by_permissions else None)

        async def start_up() -> None:
            try:
                await services.warm_up()
            finally:
                readiness.mark_ready()

        starting = asyncio.create_task(start_up(), name="warm-up")
        try:
            yield
        finally:
            for task in (refresher, warming, starting):
                if task is not None:
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task
            await subscriptions.hub.close()
            services.close()

    app = FastAPI(title="gql-monitor", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.services = services
    app.state.settings = settings
    app.state.health = health_check
    readiness = app.state.readiness = Readiness()
    app.include_router(health.router)
    app.include_router(ready_router)
    memory = token_memory()
    # Innermost: a cached response leaves through compression, the security headers and the request log like any
    # other, and a request it does not answer reaches the GraphQL route unchanged.
    app.add_middleware(CachedResponses, services=services, memory=memory)
    # Next, so inside the security headers' middleware: that one re-streams bodies in chunks, while here a
    # response is still whole, so a small one can be told apart and left uncompressed.
    app.add_middleware(compression.Compression)
    # Inside the security headers, so a 413 or 405 carries them too.
    app.add_middleware(RequestLimits, max_body_bytes=settings.max_body_bytes)
    security.install(app, settings.cors_origins)
    # Outermost: every response, refusals included, carries the request id, and every request is logged once.
    app.add_middleware(RequestLog)
    demo_sign_in.install(app, settings.demo_default_token)
    schema = build_schema(max_query_cost=settings.max_query_cost, introspection=settings.introspection,
                          max_response_values=settings.max_response_values)
    subscriptions = mount_graphql(app, services, schema, memory)
    app.state.subscriptions = subscriptions
    # Last: the UI's client routes match any path outside /api/.
    spa.mount(app)
    return app


def app_from_environment() -> FastAPI:
    """The app of one `serve` worker process (GQL_MONITOR_WORKERS > 1): its settings and logging from the environment,
    which `serve` checked before starting the workers."""
    from gql_monitor.logs import configure

    from gql_monitor.cli_common import freeze_start_up_heap

    settings = Settings.from_env()
    configure(settings.log_format)
    app = create_app(settings)
    freeze_start_up_heap()
    return app
