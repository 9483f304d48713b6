"""The app's own Databricks credentials, from the standard environment (PAT or OAuth M2M)."""

from __future__ import annotations

from databricks.sdk.core import Config

from gql_monitor.settings import Settings


def app_config(settings: Settings) -> Config:
    """An SDK Config for the app's identity. OAuth M2M when client credentials are set, else the PAT."""
    common = dict(
        host=settings.host,
        retry_timeout_seconds=settings.jobs_api_retry_seconds,
        http_timeout_seconds=30,
    )
    if settings.client_id and settings.client_secret:
        return Config(
            client_id=settings.client_id, client_secret=settings.client_secret, auth_type="oauth-m2m", **common
        )
    return Config(token=settings.token, auth_type="pat", **common)


def user_config(settings: Settings, token: str) -> Config:
    # auth_type is explicit because inside an App the SP's client credentials are in the environment too, and the
    # SDK would otherwise refuse two authentication methods.
    return Config(
        host=settings.host,
        token=token,
        auth_type="pat",
        retry_timeout_seconds=settings.jobs_api_retry_seconds,
        http_timeout_seconds=30,
    )
