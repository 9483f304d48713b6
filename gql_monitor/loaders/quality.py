"""Account-wide quality questions over a window: the failure breakdown and the coverage of jobs by the tables."""

from __future__ import annotations

from gql_monitor.loaders.batching import Fetch, QuestionLoader
from gql_monitor.questions.data_quality import DataQualityQuery
from gql_monitor.questions.failures import FailuresQuery


def failures_loader(fetch: Fetch) -> QuestionLoader[FailuresQuery]:
    return QuestionLoader(fetch)


def data_quality_loader(fetch: Fetch) -> QuestionLoader[DataQualityQuery]:
    return QuestionLoader(fetch)
