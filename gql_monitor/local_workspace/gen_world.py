"""The static part of the synthetic truth: workspaces, people, jobs with their settings history, shared compute."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from gql_monitor.local_workspace.gen_common import DAY, HOME_WORKSPACE_ID, HOUR, MINUTE, SECOND, Clock

WORKSPACES = [
    (HOME_WORKSPACE_ID, "acme-prod", "https://acme-prod.cloud.databricks.com", 0.5),
    ("2345678901234567", "acme-analytics", "https://acme-analytics.cloud.databricks.com", 0.3),
    ("3456789012345678", "acme-ml", "https://acme-ml.cloud.databricks.com", 0.2),
]

FIRST_NAMES = ["alice", "bob", "carla", "deepak", "elena", "farid", "grace", "hiro", "ines", "jonas", "kemi",
               "lucas", "maya", "nikolai", "olivia", "pavel", "quinn", "rosa", "sanjay", "tara", "umar", "vera"]
LAST_NAMES = ["nguyen", "schmidt", "okafor", "patel", "rossi", "kowalski", "tanaka", "garcia", "berg", "silva",
              "dubois", "chen", "haddad", "novak", "murphy", "ivanova", "larsen", "mendes", "yilmaz", "kim"]
SERVICE_PRINCIPALS = ["etl-prod-sp", "ml-platform-sp", "reporting-sp"]

TEAMS = {"data-eng": "CC-1001", "analytics": "CC-2040", "ml-platform": "CC-3100", "finance-bi": "CC-4200",
         "marketing-ds": "CC-5300", "supply-chain": "CC-6120"}
DOMAINS = ["sales", "marketing", "finance", "supply_chain", "customer", "product", "risk", "ml", "hr", "iot",
           "payments", "logistics"]
ENTITIES = ["orders", "invoices", "clickstream", "inventory", "sessions", "churn", "forecasts", "payments",
            "shipments", "leads", "devices", "ledger", "returns", "campaigns", "tickets", "accounts"]
ACTIONS = ["ingest", "daily_agg", "etl", "refresh", "snapshot", "dq_checks", "compaction", "export", "train",
           "score", "backfill", "sync", "rollup", "dedupe"]
STAGES = {
    "etl": ["ingest", "bronze", "silver", "gold", "publish"],
    "ml": ["prepare_features", "train", "evaluate", "register", "score"],
    "report": ["extract", "transform", "aggregate", "refresh_dashboard", "notify"],
}
DAG_TEMPLATES = [  # tasks per level; every task depends on all tasks of the previous level
    ([1], 34), ([1, 1], 12), ([1, 1, 1], 10), ([1, 2], 8), ([2, 1], 8), ([1, 2, 1], 8), ([1, 3], 5),
    ([1, 1, 1, 1], 5), ([1, 3, 1], 4), ([1, 1, 1, 1, 1], 3), ([2, 2, 1], 3),
]
NODE_TYPES = [("i3.xlarge", 1.0), ("i3.2xlarge", 2.0), ("m5d.xlarge", 0.69), ("m5d.2xlarge", 1.37),
              ("r5d.2xlarge", 1.8), ("c5d.4xlarge", 2.43), ("i3.4xlarge", 4.0)]
TIMEZONES = [("UTC", 40), ("America/New_York", 20), ("America/Los_Angeles", 15), ("Europe/Berlin", 15),
             ("Asia/Kolkata", 10)]
DBR_VERSIONS = ["15.4.x-scala2.12", "16.4.x-scala2.12", "17.3.x-scala2.13", "14.3.x-scala2.12"]
DOW_NAMES = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]


@dataclass
class Person:
    user_name: str      # email, or the application id of a service principal
    principal_id: str   # the numeric id the system tables store
    display_name: str
    is_sp: bool = False


@dataclass
class TaskSpec:
    key: str
    level: int
    depends_on: list[str]
    kind: str               # notebook_task | spark_python_task
    path: str
    max_retries: int
    timeout_seconds: int
    frac_start: float = 0.0  # share of the run's nominal duration before the task starts
    frac_end: float = 1.0


@dataclass
class Version:
    """One SCD2 row of lakeflow.jobs: what could change between versions."""
    change_ms: int
    name: str
    description: str
    tags: dict[str, str]
    paused: bool
    timeout_seconds: int
    sla_minutes: int | None
    deleted: bool = False


@dataclass
class Cron:
    kind: str       # hourly | every_6h | daily | weekdays | weekly
    hour: int
    minute: int
    dow: int        # for weekly: 0 = Monday
    timezone: str

    @property
    def quartz(self) -> str:
        if self.kind == "hourly":
            return f"0 {self.minute} * * * ?"
        if self.kind == "every_6h":
            return f"0 {self.minute} {self.hour % 6}/6 * * ?"
        if self.kind == "daily":
            return f"0 {self.minute} {self.hour} * * ?"
        if self.kind == "weekdays":
            return f"0 {self.minute} {self.hour} ? * MON-FRI"
        return f"0 {self.minute} {self.hour} ? * {DOW_NAMES[self.dow]}"


@dataclass
class Job:
    idx: int
    workspace_id: str
    job_id: int
    creator: Person
    run_as: Person
    created_ms: int
    trigger: str                 # cron | file_arrival | continuous | manual | submit | workflow
    cron: Cron | None
    compute: str                 # job_cluster | serverless | all_purpose
    node_type: str
    workers: int
    photon: bool
    dbu_per_hour: float
    existing_cluster_id: str | None
    tasks: list[TaskSpec]
    profile: str                 # steady | flaky | failing_streak | duration_regression | late_start | missed_schedule | long
    base_duration_s: float
    versions: list[Version]
    max_concurrent_runs: int = 1
    retry_on_failure: bool = False
    has_parameters: bool = False
    aged_out: bool = False
    events_per_day: float = 0.0  # file arrival / manual triggers
    deployment_bundle: bool = False
    notes: set[str] = field(default_factory=set)

    @property
    def latest(self) -> Version:
        return self.versions[-1]

    @property
    def deleted_ms(self) -> int | None:
        return self.latest.change_ms if self.latest.deleted else None

    @property
    def paused_since_ms(self) -> int | None:
        """When the schedule/trigger got paused for good (None if it runs at the end)."""
        for v in self.versions:
            if v.paused and all(w.paused for w in self.versions[self.versions.index(v):]):
                return v.change_ms
        return None

    @property
    def api_listed(self) -> bool:
        """runs/submit and notebook-workflow runs have no saved job: jobs/list does not show them."""
        return self.trigger not in ("submit", "workflow") and not self.aged_out and self.deleted_ms is None

    @property
    def run_type(self) -> int:
        return {"submit": 1, "workflow": 2}.get(self.trigger, 0)

    @property
    def is_multi_task(self) -> bool:
        return len(self.tasks) > 1


@dataclass
class SharedCluster:
    workspace_id: str
    cluster_id: str
    name: str
    owner: Person
    source: str          # UI | API
    node_type: str
    dbu_per_hour: float
    min_workers: int
    max_workers: int
    created_ms: int
    tags: dict[str, str]
    photon: bool


@dataclass
class Pipeline:
    workspace_id: str
    pipeline_id: str
    name: str
    edition: str         # CORE | PRO | ADVANCED
    photon: bool
    continuous: bool
    hour: int
    node_type: str
    dbu_per_hour: float
    run_as: Person
    tags: dict[str, str]


@dataclass
class Warehouse:
    workspace_id: str
    warehouse_id: str
    name: str
    owner: Person
    dbu_per_hour: float


@dataclass
class World:
    clock: Clock
    people: list[Person]
    sps: list[Person]
    jobs: list[Job]
    clusters: list[SharedCluster]
    pipelines: list[Pipeline]
    warehouses: list[Warehouse]

    def jobs_in(self, workspace_id: str) -> list[Job]:
        return [j for j in self.jobs if j.workspace_id == workspace_id]


def _weighted(py: random.Random, options):
    values, weights = zip(*options)
    return py.choices(values, weights=weights)[0]


def _uuid(py: random.Random) -> str:
    return str(uuid.UUID(int=py.getrandbits(128), version=4))


def cluster_id_for(ms: int, py: random.Random) -> str:
    t = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return t.strftime("%m%d-%H%M%S-") + "".join(py.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=8))


def make_people(py: random.Random) -> tuple[list[Person], list[Person]]:
    people, seen = [], set()
    while len(people) < 24:
        first, last = py.choice(FIRST_NAMES), py.choice(LAST_NAMES)
        if (first, last) in seen:
            continue
        seen.add((first, last))
        people.append(Person(f"{first}.{last}@example.com", str(py.randrange(10**15, 10**16)),
                             f"{first.title()} {last.title()}"))
    people.append(Person("admin@example.com", "1001", "Local Admin"))
    sps = [Person(_uuid(py), str(py.randrange(10**15, 10**16)), name, is_sp=True) for name in SERVICE_PRINCIPALS]
    return people, sps


def _job_name(py: random.Random, taken: set[str]) -> tuple[str, str, str]:
    while True:
        domain, entity, action = py.choice(DOMAINS), py.choice(ENTITIES), py.choice(ACTIONS)
        style = py.random()
        if style < 0.55:
            name = f"{domain}_{entity}_{action}"
        elif style < 0.8:
            name = f"[prod] {domain.replace('_', ' ').title()} {entity.title()} - {action.replace('_', ' ')}"
        else:
            name = f"{entity}-{action.replace('_', '-')}-pipeline"
        if name not in taken:
            taken.add(name)
            return name, domain, entity


def _description(py: random.Random, domain: str, entity: str) -> str:
    return py.choice([
        f"Loads {entity} for the {domain.replace('_', ' ')} domain into the lakehouse.",
        f"Daily {entity} aggregates consumed by the {domain.replace('_', ' ')} dashboards.",
        f"Owned by the {domain.replace('_', ' ')} team. Page the on-call if it fails twice.",
        f"Refreshes {entity} features and writes them to Unity Catalog.",
        "",
    ])


def _tasks(py: random.Random, levels: list[int], theme: str, team: str, slug: str, serverless: bool) -> list[TaskSpec]:
    tasks: list[TaskSpec] = []
    previous: list[str] = []
    weights = [py.uniform(0.5, 2.0) for _ in levels]
    total = sum(weights)
    edges = [sum(weights[:i]) / total for i in range(len(levels) + 1)]
    for level, count in enumerate(levels):
        stage = STAGES[theme][level]
        keys = [stage if count == 1 else f"{stage}_{ENTITIES[(level * 3 + k) % len(ENTITIES)]}" for k in range(count)]
        critical = py.randrange(count)
        for k, key in enumerate(keys):
            kind = "spark_python_task" if serverless and py.random() < 0.4 else "notebook_task"
            path = (f"/Workspace/Repos/{team}/pipelines/{slug}/{key}.py" if kind == "spark_python_task"
                    else f"/Repos/{team}/pipelines/{slug}/{key}")
            span = edges[level + 1] - edges[level]
            end = edges[level + 1] if k == critical else edges[level] + span * py.uniform(0.55, 0.98)
            tasks.append(TaskSpec(key, level, list(previous), kind, path,
                                  max_retries=py.choice([0, 0, 0, 1, 2]),
                                  timeout_seconds=py.choice([0, 0, 3600, 7200]),
                                  frac_start=edges[level], frac_end=end))
        previous = keys
    return tasks


def _versions(py: random.Random, job_plan: dict, clock: Clock, created_ms: int, name: str, description: str,
              tags: dict[str, str], sla: int | None, timeout: int) -> list[Version]:
    """The SCD2 history: creation, then renames / tag edits / setting edits / pause / delete."""
    w0, now = clock.window_start_ms, clock.now_ms
    span = now - w0

    def inside(lo: float, hi: float) -> int:
        return max(created_ms + HOUR, w0 + int(span * py.uniform(lo, hi))) // MINUTE * MINUTE

    events: list[tuple[int, str]] = []
    if created_ms < w0 - 30 * DAY and py.random() < 0.25:
        events.append((created_ms + int((w0 - created_ms) * py.uniform(0.2, 0.9)), "tags"))
    if job_plan.get("renamed"):
        events.append((inside(0.3, 0.7), "rename"))
    if job_plan.get("retag"):
        events.append((inside(0.1, 0.9), "tags"))
    if job_plan.get("retune"):
        events.append((inside(0.1, 0.9), "timeout"))
    if job_plan.get("paused_at") is not None:
        events.append((inside(*job_plan["paused_at"]), "pause"))
    if job_plan.get("deleted_at") is not None:
        events.append((inside(*job_plan["deleted_at"]), "delete"))
    events.sort()

    rename_from = None
    if job_plan.get("renamed"):
        rename_from = py.choice([f"{name} (old)", f"tmp_{name.lower().replace(' ', '_')}", f"{name}_v1"])
    first_tags = dict(tags)
    if any(kind == "tags" for _, kind in events) and first_tags:
        first_tags.pop(py.choice(sorted(first_tags)), None)
        if "team" in tags:
            first_tags["team"] = py.choice(sorted(TEAMS))
    first_timeout = timeout if not any(k == "timeout" for _, k in events) else py.choice([0, 3600, 14400])
    current = Version(created_ms, rename_from or name, description, first_tags, False, first_timeout,
                      sla if not any(k == "tags" for _, k in events) else None)
    versions = [current]
    for at, kind in events:
        nxt = Version(at, current.name, current.description, dict(current.tags), current.paused,
                      current.timeout_seconds, current.sla_minutes)
        if kind == "rename":
            nxt.name = name
        elif kind == "tags":
            nxt.tags, nxt.sla_minutes = dict(tags), sla
        elif kind == "timeout":
            nxt.timeout_seconds = timeout
        elif kind == "pause":
            nxt.paused = True
        elif kind == "delete":
            nxt.deleted = True
        versions.append(nxt)
        current = nxt
    # Edits that happened after the last event still land on the final state.
    versions[-1].name, versions[-1].tags, versions[-1].sla_minutes = name, dict(tags), sla
    versions[-1].timeout_seconds = timeout
    return versions


def random_plan(py: random.Random) -> dict:
    trigger = _weighted(py, [("cron", 58), ("file_arrival", 8), ("continuous", 2), ("manual", 26), ("submit", 4),
                             ("workflow", 2)])
    if trigger == "cron":
        profile = _weighted(py, [("steady", 56), ("flaky", 10), ("failing_streak", 4), ("duration_regression", 7),
                                 ("late_start", 8), ("missed_schedule", 7), ("long", 8)])
    elif trigger == "continuous":
        profile = "long"
    else:
        profile = _weighted(py, [("steady", 70), ("flaky", 12), ("failing_streak", 4), ("duration_regression", 6),
                                 ("long", 8)])
    return {
        "trigger": trigger,
        "cron_kind": _weighted(py, [("hourly", 1.0), ("every_6h", 5), ("daily", 55), ("weekdays", 21), ("weekly", 18)]),
        "compute": _weighted(py, [("job_cluster", 55), ("serverless", 35), ("all_purpose", 10)]),
        "profile": profile,
        "untagged": py.random() < 0.15,
        "sla": trigger == "cron" and py.random() < 0.18,
        "renamed": py.random() < 0.08,
        "retag": py.random() < 0.10,
        "retune": py.random() < 0.10,
        "paused_at": (0.2, 0.9) if trigger in ("cron", "file_arrival") and py.random() < 0.07 else None,
        "deleted_at": (0.3, 0.9) if py.random() < 0.04 else None,
        "aged_out": False,
        "retry_on_failure": py.random() < 0.15,
        "has_parameters": py.random() < 0.2,
        "created_in_window": py.random() < 0.2,
    }


# The home workspace's first jobs carry the hard cases, so every seed has them; the rest are random.
FORCED_HOME_PLANS: list[dict] = [
    {"trigger": "cron", "cron_kind": "daily", "compute": "job_cluster", "profile": "long", "note": "long_run",
     "sla": True, "levels": [1, 2, 1]},
    {"trigger": "cron", "cron_kind": "every_6h", "compute": "job_cluster", "profile": "flaky", "note": "flaky_job",
     "levels": [1, 2, 1], "retry_on_failure": False},
    {"trigger": "cron", "cron_kind": "daily", "compute": "serverless", "profile": "failing_streak",
     "note": "failing_streak", "levels": [1, 1]},
    {"trigger": "cron", "cron_kind": "daily", "compute": "job_cluster", "profile": "duration_regression",
     "note": "duration_regression", "levels": [1, 1, 1]},
    {"trigger": "cron", "cron_kind": "hourly", "compute": "job_cluster", "profile": "late_start",
     "note": "late_start", "levels": [1]},
    {"trigger": "cron", "cron_kind": "every_6h", "compute": "serverless", "profile": "missed_schedule",
     "note": "missed_schedule", "levels": [1, 1]},
    {"trigger": "cron", "cron_kind": "daily", "compute": "job_cluster", "profile": "steady", "note": "sla_job",
     "sla": True, "levels": [2, 1]},
    {"trigger": "cron", "cron_kind": "daily", "compute": "all_purpose", "profile": "steady",
     "note": "all_purpose_job", "levels": [1, 1]},
    {"trigger": "cron", "cron_kind": "hourly", "compute": "serverless", "profile": "steady",
     "note": "serverless_job", "levels": [1, 3], "has_parameters": True},
    {"trigger": "cron", "cron_kind": "daily", "compute": "job_cluster", "profile": "steady", "note": "renamed_job",
     "renamed": True, "retag": True, "levels": [1, 1]},
    {"trigger": "cron", "cron_kind": "daily", "compute": "job_cluster", "profile": "steady", "note": "deleted_job",
     "deleted_at": (0.55, 0.65), "levels": [1]},
    {"trigger": "cron", "cron_kind": "daily", "compute": "job_cluster", "profile": "steady", "note": "aged_out_job",
     "deleted_at": (0.35, 0.45), "aged_out": True, "levels": [1, 1]},
    {"trigger": "continuous", "compute": "job_cluster", "profile": "long", "note": "continuous_job", "levels": [1]},
    {"trigger": "cron", "cron_kind": "every_6h", "compute": "job_cluster", "profile": "steady", "untagged": True,
     "note": "untagged_job", "levels": [1]},
    {"trigger": "cron", "cron_kind": "every_6h", "compute": "job_cluster", "profile": "steady",
     "note": "task_retry", "levels": [1, 1, 1], "task_retries": True, "retry_on_failure": True},
    {"trigger": "manual", "compute": "serverless", "profile": "flaky", "note": "retried_run",
     "retry_on_failure": True, "levels": [1, 1]},
    {"trigger": "file_arrival", "compute": "serverless", "profile": "steady", "note": "file_arrival_job",
     "levels": [1, 1]},
    {"trigger": "manual", "compute": "job_cluster", "profile": "steady", "note": "recent_manual_job",
     "levels": [1]},
    {"trigger": "cron", "cron_kind": "weekdays", "compute": "serverless", "profile": "steady", "note": "paused_job",
     "paused_at": (0.5, 0.7), "levels": [1, 1]},
    {"trigger": "submit", "compute": "job_cluster", "profile": "steady", "note": "submit_job", "levels": [1]},
    {"trigger": "workflow", "compute": "job_cluster", "profile": "steady", "note": "workflow_job", "levels": [1]},
]


def build_jobs(py: random.Random, clock: Clock, n_jobs: int, people: list[Person], sps: list[Person],
               clusters: list[SharedCluster]) -> list[Job]:
    jobs: list[Job] = []
    counts = [max(1, round(n_jobs * share)) for *_, share in WORKSPACES]
    counts[0] = max(counts[0], len(FORCED_HOME_PLANS) + 5)
    for ws_index, (ws_id, *_rest) in enumerate(WORKSPACES):
        taken_names: set[str] = set()
        taken_ids: set[int] = set()
        ws_clusters = [c for c in clusters if c.workspace_id == ws_id]
        for k in range(counts[ws_index]):
            plan = random_plan(py)
            if ws_index == 0 and k < len(FORCED_HOME_PLANS):
                plan = {**plan, **{"renamed": False, "deleted_at": None, "paused_at": None, "untagged": False,
                                   "created_in_window": False, "retag": False},
                        **FORCED_HOME_PLANS[k]}
            jobs.append(_make_job(py, clock, len(jobs), ws_id, plan, people, sps, ws_clusters, taken_names, taken_ids))
    _share_one_job_id(jobs)
    return jobs


def _share_one_job_id(jobs: list[Job]) -> None:
    """Job ids are only unique within a workspace: give a second-workspace job the id of a home job."""
    home = next(j for j in jobs if j.workspace_id == HOME_WORKSPACE_ID and "sla_job" in j.notes)
    other = next(j for j in jobs if j.workspace_id == WORKSPACES[1][0] and j.trigger == "cron" and not j.aged_out)
    other.job_id = home.job_id
    home.notes.add("shared_job_id")
    other.notes.add("shared_job_id")


def _make_job(py: random.Random, clock: Clock, idx: int, ws_id: str, plan: dict, people: list[Person],
              sps: list[Person], ws_clusters: list[SharedCluster], taken_names: set[str], taken_ids: set[int]) -> Job:
    name, domain, entity = _job_name(py, taken_names)
    creator = py.choice(people)
    run_as = py.choice(sps) if py.random() < 0.35 else (creator if py.random() < 0.85 else py.choice(people))
    team = py.choice(sorted(TEAMS))
    if plan.get("created_in_window"):
        created_ms = clock.window_start_ms + int((clock.now_ms - clock.window_start_ms) * py.uniform(0.05, 0.6))
    else:
        created_ms = clock.window_start_ms - int(py.uniform(2, 3 * 365) * DAY)
    created_ms = created_ms // SECOND * SECOND

    tags: dict[str, str] = {}
    if not plan["untagged"]:
        tags = {"team": team, "cost_center": TEAMS[team], "env": py.choice(["prod", "prod", "prod", "staging"])}
        if py.random() < 0.3:
            tags["domain"] = domain
    sla = None
    if plan["sla"]:
        sla = py.choice([30, 60, 90, 120, 240])
        if plan.get("profile") == "long":
            sla = 240
        if not plan["untagged"]:
            tags["sla_minutes"] = str(sla)

    while True:
        job_id = py.randrange(10**14, 10**15) if created_ms > clock.window_start_ms - 365 * DAY \
            else py.randrange(10**11, 10**13)
        if job_id not in taken_ids:
            taken_ids.add(job_id)
            break

    compute = plan["compute"]
    if plan["trigger"] in ("workflow", "submit") or (compute == "all_purpose" and not ws_clusters):
        compute = "job_cluster" if compute == "all_purpose" else compute
    node_type, node_dbu = py.choice(NODE_TYPES)
    workers = py.choice([1, 2, 2, 4, 4, 8, 16])
    photon = compute == "job_cluster" and py.random() < 0.3
    if compute == "job_cluster":
        dbu = node_dbu * (workers + 1) * (2.9 if photon else 1.0)
    elif compute == "serverless":
        dbu = py.uniform(2.0, 30.0)
    else:
        dbu = 0.0  # billed to the shared cluster, not the job
    existing = py.choice(ws_clusters) if compute == "all_purpose" else None

    theme = "ml" if domain == "ml" or "train" in name or "score" in name else py.choice(["etl", "etl", "report"])
    levels = plan.get("levels") or _weighted(py, DAG_TEMPLATES)
    slug = name.lower().replace("[prod] ", "").replace(" - ", "_").replace(" ", "_").replace("-", "_")
    tasks = _tasks(py, levels, theme, team, slug, compute == "serverless")
    if plan.get("task_retries"):
        for t in tasks:
            t.max_retries = max(t.max_retries, 2)

    cron = None
    if plan["trigger"] == "cron":
        kind = plan["cron_kind"]
        cron = Cron(kind, py.randrange(0, 24) if kind != "hourly" else 0, py.choice([0, 0, 5, 15, 30, 45, 10, 20]),
                    py.randrange(7), "UTC" if kind in ("hourly", "every_6h") else _weighted(py, TIMEZONES))

    profile = plan["profile"]
    if profile == "long":
        base = py.uniform(70, 260) * 60 if plan.get("note") != "long_run" else 200 * 60
    elif cron and cron.kind == "hourly":
        base = min(py.lognormvariate(5.2, 0.6), 40 * 60)
    else:
        base = min(max(py.lognormvariate(6.3, 0.9), 40), 55 * 60)
    if plan["trigger"] == "continuous":
        base = py.uniform(6, 20) * 3600
    timeout = py.choice([0, 0, 3600 * 6, 3600 * 12]) if profile != "long" else 6 * 3600
    if timeout and timeout < base * 3:
        timeout = 0

    versions = _versions(py, plan, clock, created_ms, name, _description(py, domain, entity), tags, sla, timeout)
    job = Job(
        idx=idx, workspace_id=ws_id, job_id=job_id, creator=creator, run_as=run_as, created_ms=created_ms,
        trigger=plan["trigger"], cron=cron, compute=compute, node_type=node_type, workers=workers, photon=photon,
        dbu_per_hour=dbu, existing_cluster_id=existing.cluster_id if existing else None, tasks=tasks,
        profile=profile, base_duration_s=base, versions=versions,
        max_concurrent_runs=1 if plan["trigger"] != "manual" else py.choice([1, 3, 5]),
        retry_on_failure=plan["retry_on_failure"] and profile != "failing_streak" and plan["trigger"] not in
        ("submit", "workflow"),
        has_parameters=plan["has_parameters"], aged_out=plan["aged_out"],
        events_per_day={"manual": py.uniform(0.05, 1.0), "submit": py.uniform(0.5, 2.0),
                        "workflow": py.uniform(0.5, 2.0)}.get(plan["trigger"], py.uniform(0.5, 3.0)),
        deployment_bundle=py.random() < 0.3,
    )
    if "note" in plan:
        job.notes.add(plan["note"])
    return job


def build_shared_compute(py: random.Random, clock: Clock, people: list[Person], sps: list[Person]):
    clusters, pipelines, warehouses = [], [], []
    names = ["Shared Analytics", "Data Engineering Interactive", "ML Sandbox", "BI Extracts", "Ad-hoc Exploration"]
    for ws_id, ws_name, _url, _share in WORKSPACES:
        for name in py.sample(names, 3 if ws_id != HOME_WORKSPACE_ID else 4):
            node_type, dbu = py.choice(NODE_TYPES)
            created = clock.window_start_ms - int(py.uniform(30, 500) * DAY)
            team = py.choice(sorted(TEAMS))
            clusters.append(SharedCluster(
                ws_id, cluster_id_for(created, py), name, py.choice(people), py.choice(["UI", "UI", "API"]),
                node_type, dbu, 1, py.choice([4, 8]), created, {"team": team, "cost_center": TEAMS[team]},
                py.random() < 0.3))
        for k in range(py.choice([2, 3])):
            node_type, dbu = py.choice(NODE_TYPES)
            entity = py.choice(ENTITIES)
            pipelines.append(Pipeline(
                ws_id, _uuid(py), f"dlt_{entity}_{py.choice(['bronze_silver', 'cdc', 'streaming', 'medallion'])}",
                py.choice(["CORE", "PRO", "ADVANCED"]), py.random() < 0.4, k == 0 and py.random() < 0.5,
                py.randrange(24), node_type, dbu * py.choice([2, 3, 5]), py.choice(sps),
                {"team": "data-eng", "cost_center": TEAMS["data-eng"]}))
        warehouses.append(Warehouse(ws_id, "".join(py.choices("0123456789abcdef", k=16)),
                                    f"{ws_name} shared warehouse", py.choice(people), py.choice([12.0, 24.0, 40.0])))
    return clusters, pipelines, warehouses


def build_world(py: random.Random, clock: Clock, n_jobs: int) -> World:
    people, sps = make_people(py)
    clusters, pipelines, warehouses = build_shared_compute(py, clock, people, sps)
    jobs = build_jobs(py, clock, n_jobs, people, sps, clusters)
    return World(clock, people, sps, jobs, clusters, pipelines, warehouses)


__all__ = ["WORKSPACES", "World", "Job", "Version", "TaskSpec", "Person", "build_world"]
