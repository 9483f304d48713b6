"""The long-lived parts of the monitor, built once per process and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass

from gql_monitor.settings import Settings
from gql_monitor.sources.credentials import app_config
from gql_monitor.sources.jobs_api import JobsApi
from gql_monitor.sources.warehouse import Warehouse


@dataclass
class Services:
    settings: Settings
    warehouse: Warehouse
    jobs_api: JobsApi

    @classmethod
    def build(cls, settings: Settings) -> "Services":
        config = app_config(settings)
        return cls(
            settings=settings,
            warehouse=Warehouse(settings, app_credentials=lambda: config.authenticate),
            jobs_api=JobsApi(settings, config),
        )

    def close(self) -> None:
        self.warehouse.close()
        self.jobs_api.close()
