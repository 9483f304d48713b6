"""Every field of the schema resolves against the synthetic workspace, with no error: the query below is built
from the schema itself, so a new field is covered the day it is added."""

from __future__ import annotations

from graphql import GraphQLNonNull, GraphQLObjectType, Undefined, get_named_type

from conftest import gql
from api.helpers import case
from gql_monitor.graphql.schema import schema

REQUIRED_ARGUMENTS = {"first": "1", "window": "{lastDays: 60}", "groupBy": "JOB", "id": '"0:0"'}
# Fields already selected higher up: following them again would loop through the graph.
CYCLES = {("Run", "job"), ("TaskRun", "run"), ("ActiveRun", "job")}
# Runs reached again from lists estimated at up to 100 items (an SLA's breaches, a schedule's late starts): the whole
# Run below each would cost more than the limit, and Run's fields are covered through `Job.runs`.
CYCLES |= {("SlaBreach", "run"), ("SlaRunAtRisk", "run"), ("LateStart", "run")}
CYCLES |= {("CostAnomaly", "job")}  # the job the anomalies were asked of


def selection(type_name: str, depth: int = 0, parts: bool = False):
    graphql_type = schema._schema.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    as_parts, parts = parts, []
    for name, field in graphql_type.fields.items():
        target = get_named_type(field.type)
        arguments = [f"{arg}: {REQUIRED_ARGUMENTS[arg]}" for arg, spec in field.args.items()
                     if isinstance(spec.type, GraphQLNonNull) and spec.default_value is Undefined]
        call = name + (f"({', '.join(arguments)})" if arguments else "")
        if isinstance(target, GraphQLObjectType):
            if (type_name, name) in CYCLES or depth > 4:
                continue
            parts.append(f"{call} {{ {selection(target.name, depth + 1)} }}")
        else:
            parts.append(call)
    return list(parts) if as_parts else " ".join(parts)


def test_every_job_run_and_task_field_resolves(monitor, workspace):
    ws, job, _ = case(workspace, "repaired_run", home=True)
    # One request per field of Job: all of them at once (every list of runs, attempts and task runs with their costs)
    # cost more than the limit now that lists without `first` are counted.
    job_data = {}
    with monitor.client() as client:
        for part in selection("Job", parts=True):
            query = f'query($id: ID!) {{ job(id: $id) {{ {part} }} }}'
            job_data.update(gql(client, query, {"id": f"{ws}:{job}"})["data"]["job"])
    assert job_data["runs"]["nodes"], "the job must have runs for the nested fields to be exercised"
    assert job_data["lastRun"]["live"] is not None


# Grouped by product (about 20 groups estimated, not 1,000 jobs): every group selects `daily` and `bySku`, which the
# cost counts per group.
ROOT_ARGUMENTS = {**REQUIRED_ARGUMENTS, "groupBy": "PRODUCT"}


def test_every_root_field_resolves(monitor):
    roots = schema._schema.query_type.fields
    parts = []
    for name, field in roots.items():
        arguments = [f"{arg}: {ROOT_ARGUMENTS[arg]}" for arg, spec in field.args.items()
                     if isinstance(spec.type, GraphQLNonNull) and spec.default_value is Undefined]
        call = name + (f"({', '.join(arguments)})" if arguments else "")
        target = get_named_type(field.type)
        parts.append(f"{call} {{ {selection(target.name, 2)} }}" if isinstance(target, GraphQLObjectType) else call)
    # One request per root field: together they select every list of the schema at once, which costs more than
    # the limit now that lists without `first` are counted.
    data = {}
    with monitor.client() as client:
        for part in parts:
            data.update(gql(client, "{ " + part + " }")["data"])
    assert set(data) == set(roots)
    assert data["costs"]["groups"]
