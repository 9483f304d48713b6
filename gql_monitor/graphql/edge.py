"""The request's edge, before anything is executed: values checked, the document's size bounded, and validation run
on threads of its own.

Every value the request carries is checked (inputs.check_request_values) before validation and coercion, whose
messages would echo it. Then the document's expanded size (document_size.check_document_size, linear): graphql-core's
validation is quadratic in the worst case (OverlappingFieldsCanBeMerged) and Strawberry's depth limiter walks every
fragment spread, so a few lines of fragments could hold the event loop, and with it every other request, for minutes.
Validation itself then runs on a small pool (replacing Strawberry's ValidationCache, which validated on the loop),
remembering the results of recent documents: dashboards send the same few.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import AsyncIterator, Iterator

from graphql import GraphQLError, validate
from strawberry.extensions import SchemaExtension

from gql_monitor.errors import MonitorError, printable
from gql_monitor.graphql.inputs import check_request_values
from gql_monitor.graphql.document_size import check_document_size

VALIDATION_THREADS = 2


class ValidatedDocuments:
    """Validation results of recent documents, and the threads that validate new ones."""

    def __init__(self, maxsize: int = 256) -> None:
        self._maxsize = maxsize
        self._results: OrderedDict[tuple, list[GraphQLError]] = OrderedDict()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(VALIDATION_THREADS, thread_name_prefix="graphql-validate")

    async def validate(self, execution_context) -> list[GraphQLError]:
        rules = tuple(execution_context.validation_rules)
        key = (execution_context.query, rules)
        with self._lock:
            known = self._results.get(key)
            if known is not None:
                self._results.move_to_end(key)
                return known
        schema, document = execution_context.schema._schema, execution_context.graphql_document
        errors = await asyncio.get_running_loop().run_in_executor(self._pool, validate, schema, document, rules)
        if execution_context.query is not None:
            with self._lock:
                self._results[key] = errors
                while len(self._results) > self._maxsize:
                    self._results.popitem(last=False)
        return errors


def edge_checks(documents: ValidatedDocuments) -> type[SchemaExtension]:
    class EdgeChecks(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            ctx = self.execution_context
            provided = ctx._provided_operation_name  # `operation_name` is a read-only property over it
            if provided is not None:
                # Strawberry echoes an unknown operation name in its 400 answer; it must be encodable.
                ctx._provided_operation_name = printable(provided, limit=None)
            yield

        async def on_validate(self) -> AsyncIterator[None]:
            ctx = self.execution_context
            try:
                check_request_values(ctx.graphql_document, ctx.variables)
                check_document_size(ctx.graphql_document)
            except MonitorError as exc:
                ctx.pre_execution_errors = [GraphQLError(str(exc), original_error=exc)]
            else:
                ctx.pre_execution_errors = await documents.validate(ctx)
            yield

    return EdgeChecks
