"""workspace_state.*: what the Jobs API of the home workspace returns, from the same truth as the system tables.

The API has its own vocabulary (platform.md 2.4). Table result_state -> API state.life_cycle_state / result_state:
SUCCEEDED -> TERMINATED/SUCCESS, FAILED -> TERMINATED/FAILED, ERROR -> INTERNAL_ERROR/FAILED,
TIMED_OUT -> TERMINATED/TIMEDOUT (termination code CANCELED), CANCELLED -> TERMINATED/CANCELED (code USER_CANCELED),
SKIPPED -> SKIPPED/EXCLUDED (MAXIMUM_CONCURRENT_RUNS_REACHED when the concurrency limit was hit),
BLOCKED -> SKIPPED/FAILED (code WORKSPACE_RUN_LIMIT_EXCEEDED); a task that never ran because an upstream task failed
is SKIPPED/UPSTREAM_FAILED with termination code SKIPPED. Other termination codes are spelled the same in both.
Triggers: CRON -> PERIODIC, ONETIME -> ONE_TIME, ONETIME_RETRY -> RETRY, FILE_ARRIVAL, CONTINUOUS.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pyarrow as pa

from gql_monitor.local_workspace import gen_write
from gql_monitor.local_workspace.gen_common import (
    ANALYST, BLOCKED, CANCELLED, ERROR, FAILED, HOME_WORKSPACE_ID, PENDING, RUN_TYPES, RUNNING, SKIPPED,
    SUCCEEDED, TERM_CODES, TERM_TYPE_OF, TIMED_OUT, TRIGGERS, API_TRIGGER,
)
from gql_monitor.local_workspace.gen_runs import NOTE, JobArrays, Runs, Segments, TaskRuns
from gql_monitor.local_workspace.gen_system import DBR_VERSIONS, file_arrival_url
from gql_monitor.local_workspace.gen_world import Job, TaskSpec, World
from gql_monitor.local_workspace.gen_write import insert_arrow, row_batches
from gql_monitor.local_workspace.identities import OWNER, TEAM_GROUP

REPAIR_ID_OFFSET = 31
QUEUED_STATE = ('"state":{{"life_cycle_state":"QUEUED","state_message":"Queued due to reaching maximum concurrent '
                'runs of {limit}.","user_cancelled_or_timedout":false}},"status":{{"state":"QUEUED","queue_details":'
                '{{"code":"ACTIVE_RUNS_LIMIT_REACHED","message":"Queued due to reaching maximum concurrent runs of '
                '{limit}."}}}}')
JOB_CLUSTER_KEY = "main_cluster"

ERROR_MESSAGES = {
    "RUN_EXECUTION_ERROR": "Workload failed, see run output for details",
    "STORAGE_ACCESS_ERROR": "Failed to access cloud storage: AccessDenied: Access Denied (Service: Amazon S3; "
                            "Status Code: 403) on s3://acme-landing/{slug}/",
    "LIBRARY_INSTALLATION_ERROR": "Library installation failed for library due to user error for pypi "
                                  "{{ package: \"great-expectations==0.18.8\" }}. Error messages: ERROR: Could not "
                                  "find a version that satisfies the requirement great-expectations==0.18.8",
    "UNAUTHORIZED_ERROR": "User does not have USE SCHEMA on Schema 'main.{slug}'.",
    "RESOURCE_NOT_FOUND": "Unable to access the notebook \"{path}\". Either it does not exist, or the identity used "
                          "to run this job lacks the required permissions.",
    "INVALID_RUN_CONFIGURATION": "Invalid job parameter: 'run_date' is referenced by task but not defined.",
    "DRIVER_ERROR": "The spark driver has stopped unexpectedly and is restarting. Your notebook will be "
                    "automatically reattached.",
    "CLUSTER_ERROR": "Cluster {cluster} was terminated. Reason: DRIVER_UNREACHABLE (SERVICE_FAULT).",
    "CLOUD_FAILURE": "Could not launch cluster due to cloud provider failures. azure_error_code: "
                     "INSUFFICIENT_INSTANCE_CAPACITY, message: We currently do not have sufficient i3.2xlarge "
                     "capacity in the Availability Zone you requested (us-east-1a).",
    "MAX_CONCURRENT_RUNS_EXCEEDED": "Skipping this run because the limit of {limit} maximum concurrent runs has "
                                    "been reached.",
    "SKIPPED": "Run skipped because the job's run condition was not met.",
    "MAX_JOB_QUEUE_SIZE_EXCEEDED": "Run skipped because the job's queue is full.",
    "WORKSPACE_RUN_LIMIT_EXCEEDED": "The workspace has reached the quota for the maximum number of concurrent "
                                    "active runs.",
}
ERROR_DETAILS = {  # runs/get-output `error` and the last line of `error_trace`
    "RUN_EXECUTION_ERROR": [
        "AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] The table or view `main`.`{slug}`.`staging` cannot be found.",
        "Py4JJavaError: An error occurred while calling o412.save. : org.apache.spark.SparkException: Job aborted "
        "due to stage failure: Task 17 in stage 42.0 failed 4 times",
        "AssertionError: data quality check failed: 1342 rows with NULL customer_id",
        "KeyError: 'run_date'",
        "SparkException: [DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added to the root of the "
        "table by a concurrent update.",
    ],
}


# ---------------------------------------------------------------------------------------------------------------
# Job settings


def task_settings(job: Job, task: TaskSpec) -> dict:
    body: dict = {"task_key": task.key}
    if task.depends_on:
        body["depends_on"] = [{"task_key": k} for k in task.depends_on]
    body["run_if"] = "ALL_SUCCESS"
    if task.kind == "notebook_task":
        body["notebook_task"] = {"notebook_path": task.path, "source": "WORKSPACE"}
    else:
        body["spark_python_task"] = {"python_file": task.path, "source": "WORKSPACE"}
    if job.compute == "job_cluster":
        body["job_cluster_key"] = JOB_CLUSTER_KEY
    elif job.compute == "all_purpose":
        body["existing_cluster_id"] = job.existing_cluster_id
    elif task.kind == "spark_python_task":
        body["environment_key"] = "default"
    body["timeout_seconds"] = task.timeout_seconds
    if task.max_retries:
        body["max_retries"] = task.max_retries
        body["min_retry_interval_millis"] = 60000
        body["retry_on_timeout"] = False
    body["email_notifications"] = {}
    return body


def job_cluster_spec(job: Job) -> dict:
    return {"job_cluster_key": JOB_CLUSTER_KEY, "new_cluster": {
        "spark_version": DBR_VERSIONS[job.job_id % len(DBR_VERSIONS)],
        "node_type_id": job.node_type, "num_workers": job.workers,
        "aws_attributes": {"first_on_demand": 1, "availability": "SPOT_WITH_FALLBACK", "zone_id": "auto"},
        "data_security_mode": "SINGLE_USER", "runtime_engine": "PHOTON" if job.photon else "STANDARD",
        "enable_elastic_disk": True}}


def job_settings(job: Job) -> dict:
    v = job.latest
    settings: dict = {"name": v.name}
    if v.description:
        settings["description"] = v.description
    settings["email_notifications"] = ({"on_failure": [job.creator.user_name], "no_alert_for_skipped_runs": True}
                                       if not job.creator.is_sp else {})
    settings["webhook_notifications"] = {}
    settings["notification_settings"] = {"no_alert_for_skipped_runs": False, "no_alert_for_canceled_runs": False}
    settings["timeout_seconds"] = v.timeout_seconds
    if v.sla_minutes:
        settings["health"] = {"rules": [{"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN",
                                         "value": v.sla_minutes * 60}]}
    pause = "PAUSED" if v.paused else "UNPAUSED"
    if job.trigger == "cron":
        settings["schedule"] = {"quartz_cron_expression": job.cron.quartz, "timezone_id": job.cron.timezone,
                                "pause_status": pause}
    elif job.trigger == "file_arrival":
        settings["trigger"] = {"pause_status": pause, "file_arrival": {
            "url": file_arrival_url(job), "min_time_between_triggers_seconds": 600,
            "wait_after_last_change_seconds": 120}}
    elif job.trigger == "continuous":
        settings["continuous"] = {"pause_status": pause}
    settings["max_concurrent_runs"] = job.max_concurrent_runs
    if v.tags:
        settings["tags"] = dict(v.tags)
    settings["tasks"] = [task_settings(job, t) for t in job.tasks]
    if job.compute == "job_cluster":
        settings["job_clusters"] = [job_cluster_spec(job)]
    if job.compute == "serverless":
        settings["environments"] = [{"environment_key": "default", "spec": {"client": "2", "dependencies": []}}]
        settings["performance_target"] = ["PERFORMANCE_OPTIMIZED", "STANDARD"][job.job_id % 2]
    settings["format"] = "MULTI_TASK"
    settings["queue"] = {"enabled": True}
    if job.has_parameters:
        settings["parameters"] = job_parameter_defaults(job)
    settings["run_as"] = ({"service_principal_name": job.run_as.user_name} if job.run_as.is_sp
                          else {"user_name": job.run_as.user_name})
    if job.deployment_bundle:
        settings["deployment"] = {"kind": "BUNDLE", "metadata_file_path":
                                  f"/Workspace/Users/{job.creator.user_name}/.bundle/{job.job_id}/state/metadata.json"}
        settings["edit_mode"] = "UI_LOCKED"
    else:
        settings["edit_mode"] = "EDITABLE"
    return settings


def job_parameter_defaults(job: Job) -> list[dict]:
    return [{"name": "env", "default": job.latest.tags.get("env", "prod")}, {"name": "run_date", "default": ""}]


def write_jobs_and_acl(con, py: random.Random, world: World) -> list[Job]:
    home = [j for j in world.jobs_in(HOME_WORKSPACE_ID) if j.api_listed]
    rows = [{"job_id": j.job_id, "creator_user_name": j.creator.user_name, "run_as_user_name": j.run_as.user_name,
             "created_time": j.created_ms, "settings": json.dumps(job_settings(j), separators=(",", ":"))}
            for j in home]
    insert_arrow(con, "workspace_state.jobs", pa.Table.from_pylist(rows),
                 "job_id, creator_user_name, run_as_user_name, created_time, settings::JSON")
    visible = [j for j in home if py.random() < 0.1]
    flagged = next(j for j in home if "flaky_job" in j.notes)
    if flagged not in visible:
        visible.append(flagged)
    for j in visible:
        j.notes.add("analyst_visible_job")
    acl = [{"job_id": j.job_id, "user_name": j.creator.user_name} for j in home if not j.creator.is_sp]
    acl += [{"job_id": j.job_id, "user_name": ANALYST} for j in visible]
    insert_arrow(con, "workspace_state.job_acl", pa.Table.from_pylist(acl))
    return home


TEAM_SHARE = 0.12
MIN_TEAM_JOBS = 3
OWNED_JOBS = 3
TEAM_LEVELS = ("CAN_VIEW", "CAN_MANAGE_RUN")


def write_job_grants(con, seed: int, home: list[Job]) -> None:
    """workspace_state.job_grants: group `data-eng` on about 12% of the home jobs, and three jobs whose ownership
    passed to owner@example.com, so that callers reach jobs through a group and through ownership.

    Its own random stream, seeded from the workspace seed, so that adding grants leaves every other drawn value as
    it was. Runs after the runs are written: one of the team's jobs has a run in progress, because an active run of
    a job a user may see is the case the live views of the app must scope right.
    """
    py = random.Random(f"{seed}:grants")
    active = {job_id for (job_id,) in con.execute("SELECT DISTINCT job_id FROM workspace_state.runs WHERE active")
              .fetchall()}
    team = [j for j in home if py.random() < TEAM_SHARE]
    running = [j for j in home if j.job_id in active]
    if running and not any(j.job_id in active for j in team):
        team.append(py.choice(running))
    while len(team) < min(MIN_TEAM_JOBS, len(home)):
        team.append(py.choice([j for j in home if j not in team]))
    others = [j for j in home if j not in team and "analyst_visible_job" not in j.notes]
    owned = py.sample(others, min(OWNED_JOBS, len(others)))
    rows = []
    for j in team:
        j.notes.add("team_visible_job")
        rows.append((j.job_id, "group", TEAM_GROUP, py.choice(TEAM_LEVELS)))
    for j in owned:
        j.notes.add("owned_by_owner")
        rows.append((j.job_id, "user", OWNER.user_name, "IS_OWNER"))
    names = ["job_id", "principal_kind", "principal_name", "permission_level"]
    insert_arrow(con, "workspace_state.job_grants", pa.table(
        {n: [r[c] for r in rows] for c, n in enumerate(names)},
        schema=pa.schema([("job_id", pa.int64())] + [(n, pa.string()) for n in names[1:]])))


# ---------------------------------------------------------------------------------------------------------------
# Runs


def _api_code(result: int, code: str) -> str:
    if code == "CANCELLED":
        return "USER_CANCELED" if result == CANCELLED else "CANCELED"
    return code


def api_state(result: int, code: str | None, message: str, *, task_downstream: bool = False) -> tuple[dict, dict]:
    """(state, status) in the Jobs API's own vocabulary for a table result."""
    if result == RUNNING:
        return ({"life_cycle_state": "RUNNING", "state_message": "In run", "user_cancelled_or_timedout": False},
                {"state": "RUNNING"})
    if result == PENDING:
        return ({"life_cycle_state": "BLOCKED", "state_message": "Waiting for upstream tasks",
                 "user_cancelled_or_timedout": False}, {"state": "BLOCKED"})
    life, res = {
        SUCCEEDED: ("TERMINATED", "SUCCESS"), FAILED: ("TERMINATED", "FAILED"), ERROR: ("INTERNAL_ERROR", "FAILED"),
        TIMED_OUT: ("TERMINATED", "TIMEDOUT"), CANCELLED: ("TERMINATED", "CANCELED"),
        SKIPPED: ("SKIPPED", "EXCLUDED"), BLOCKED: ("SKIPPED", "FAILED"),
    }[result]
    if result == SKIPPED and code == "MAX_CONCURRENT_RUNS_EXCEEDED":
        res = "MAXIMUM_CONCURRENT_RUNS_REACHED"
    if task_downstream:
        life, res = "SKIPPED", "UPSTREAM_FAILED" if result == BLOCKED else "UPSTREAM_CANCELED"
    state = {"life_cycle_state": life, "result_state": res, "state_message": message,
             "user_cancelled_or_timedout": result in (TIMED_OUT, CANCELLED)}
    status = {"state": "TERMINATED", "termination_details": {
        "code": _api_code(result, code), "type": TERM_TYPE_OF.get(code, "SUCCESS"), "message": message}}
    return state, status


def _message(job: Job, result: int, code: str | None, cluster: str | None) -> str:
    if result == SUCCEEDED or code is None:
        return ""
    if result == TIMED_OUT:
        return f"Run timed out after {job.latest.timeout_seconds or 21600} seconds."
    if result == CANCELLED:
        return "Run cancelled by user."
    template = ERROR_MESSAGES.get(code, "")
    slug = job.tasks[0].path.split("/")[-2]
    return template.format(slug=slug, path=job.tasks[0].path, cluster=cluster or "", limit=job.max_concurrent_runs)


class RunWriter:
    """Builds Run JSON (runs/get) and get-output payloads for the home workspace's recent runs.

    A large workspace holds hundreds of thousands of such runs, so the JSON is assembled from fragments serialised
    once per job, task and state rather than by dumping a fresh dict per run.
    """

    # Runs per batch, below gen_write.BATCH_ROWS: with its task runs a run's JSON is kilobytes, the heaviest row the
    # generator writes.
    BATCH_RUNS = 20_000

    def __init__(self, py: random.Random, world: World, ja: JobArrays, runs: Runs, segs: Segments,
                 tasks: TaskRuns, run_version: np.ndarray, versions: list):
        self.py, self.world, self.ja, self.runs, self.segs, self.tasks = py, world, ja, runs, segs, tasks
        self.run_version, self.versions = run_version, versions
        self.now = world.clock.now_ms
        self._task_static: dict[tuple[int, int], str] = {}
        self._run_static: dict[int, str] = {}
        self._states: dict[tuple, str] = {}
        self._names: dict[int, str] = {}

    def selected_runs(self) -> np.ndarray:
        jobs = self.world.jobs
        visible_job = np.array([j.workspace_id == HOME_WORKSPACE_ID and j.deleted_ms is None and not j.aged_out
                                for j in jobs])
        return np.flatnonzero(visible_job[self.runs.job] & (self.runs.start >= self.world.clock.api_start_ms))

    def write(self, con) -> None:
        selected = self.selected_runs()
        chosen = np.zeros(len(self.runs), dtype=bool)
        chosen[selected] = True
        # The selected runs' task runs and segments, each run's together and in the runs' order, so a batch of
        # consecutive runs owns one range of each.
        t_sel = np.flatnonzero(chosen[self.tasks.run])
        t_sel = t_sel[np.lexsort((self.tasks.start[t_sel], self.tasks.run[t_sel]))]
        first = np.searchsorted(self.tasks.run[t_sel], selected, side="left")
        last = np.searchsorted(self.tasks.run[t_sel], selected, side="right")
        s_sel = np.flatnonzero(chosen[self.segs.run])
        s_sel = s_sel[np.lexsort((self.segs.kind[s_sel], self.segs.run[s_sel]))]
        s_first = np.searchsorted(self.segs.run[s_sel], selected, side="left")
        s_last = np.searchsorted(self.segs.run[s_sel], selected, side="right")
        local = np.full(len(self.segs), -1, dtype=np.int64)
        local[s_sel] = np.arange(len(s_sel))
        for lo, hi in row_batches(len(selected), min(self.BATCH_RUNS, gen_write.BATCH_ROWS)):
            t0, s0 = int(first[lo]), int(s_first[lo])
            # Python lists of one batch (positions within it): scalar reads from numpy arrays are several times
            # slower than list reads in the per-run loop, and lists of every run of a large workspace were
            # hundreds of MB.
            self.S = self._segment_columns(s_sel[s0:s_last[hi - 1]])
            T = self._task_columns(t_sel[t0:last[hi - 1]], local, s0)
            R = self._run_columns(selected[lo:hi])
            t_first, t_last = (first[lo:hi] - t0).tolist(), (last[lo:hi] - t0).tolist()
            g_first, g_last = (s_first[lo:hi] - s0).tolist(), (s_last[lo:hi] - s0).tolist()
            rows, outputs, superseded = [], [], []
            for k in range(hi - lo):
                run_json, end, out, replaced = self._run_json(k, R, T, range(t_first[k], t_last[k]),
                                                              range(g_first[k], g_last[k]))
                rows.append((R["run_id"][k], R["job_id"][k], R["start"][k], end, R["result"][k] == RUNNING,
                             RUN_TYPES[R["run_type"][k]], run_json))
                outputs.extend(out)
                superseded.extend((task_run_id, R["run_id"][k], body) for task_run_id, body in replaced)
            self._insert(con, rows, outputs, superseded)

    @staticmethod
    def _insert(con, rows: list[tuple], outputs: list[tuple], superseded: list[tuple]) -> None:
        names = ["run_id", "job_id", "start_time", "end_time", "active", "run_type", "run"]
        insert_arrow(con, "workspace_state.runs", pa.table({n: [r[c] for r in rows] for c, n in enumerate(names)}),
                     "run_id, job_id, start_time, end_time, active, run_type, run")
        out_table = pa.table({"run_id": [o[0] for o in outputs], "output": [o[1] for o in outputs]},
                             schema=pa.schema([("run_id", pa.int64()), ("output", pa.string())]))
        insert_arrow(con, "workspace_state.run_outputs", out_table)
        replaced = pa.table({"run_id": [t[0] for t in superseded], "job_run_id": [t[1] for t in superseded],
                             "task": [t[2] for t in superseded]},
                            schema=pa.schema([("run_id", pa.int64()), ("job_run_id", pa.int64()), ("task", pa.string())]))
        insert_arrow(con, "workspace_state.superseded_task_runs", replaced, "run_id, job_run_id, task::JSON")

    def _run_columns(self, selected: np.ndarray) -> dict:
        r = self.runs
        job_ids = np.array([j.job_id for j in self.world.jobs], dtype=np.int64)
        retry_of = r.retry_of[selected]
        return {"run_id": r.run_id[selected].tolist(),
                "job_id": job_ids[r.job[selected]].tolist(), "job": r.job[selected].tolist(),
                "start": r.start[selected].tolist(), "result": r.result[selected].tolist(),
                "trigger": r.trigger[selected].tolist(), "run_type": r.run_type[selected].tolist(),
                "original": np.where(retry_of >= 0, r.run_id[np.maximum(retry_of, 0)], r.run_id[selected]).tolist(),
                "retry": (retry_of >= 0).tolist(), "version": self.run_version[selected].tolist(),
                "day": np.datetime_as_string(r.start[selected].astype("datetime64[ms]"), unit="D").tolist(),
                "queued": (r.note[selected] == NOTE["queued_run"]).tolist()}

    def _segment_columns(self, s_sel: np.ndarray) -> dict:
        g = self.segs
        return {"kind": g.kind[s_sel].tolist(), "result": g.result[s_sel].tolist(), "term": g.term[s_sel].tolist(),
                "cluster": g.cluster_id[s_sel].tolist(), "start": g.start[s_sel].tolist(),
                "end": g.end[s_sel].tolist(), "queue": g.queue_s[s_sel].tolist()}

    def _task_columns(self, t_sel: np.ndarray, local: np.ndarray, first_seg: int) -> dict:
        t = self.tasks
        return {"seg": (local[t.seg[t_sel]] - first_seg).tolist(), "slot": t.slot[t_sel].tolist(),
                "attempt": t.attempt[t_sel].tolist(),
                "id": t.task_run_id[t_sel].tolist(), "start": t.start[t_sel].tolist(), "end": t.end[t_sel].tolist(),
                "result": t.result[t_sel].tolist(), "term": t.term[t_sel].tolist()}

    # -- cached fragments ----------------------------------------------------------------------------------------

    def _state_fragment(self, job: Job, result: int, term: int, cluster: str | None, downstream: bool = False,
                        message: str | None = None) -> str:
        code = TERM_CODES[term] if term >= 0 else None
        key = (job.idx, result, code, downstream, message, cluster if code == "CLUSTER_ERROR" else None)
        fragment = self._states.get(key)
        if fragment is None:
            text = message if message is not None else _message(job, result, code, cluster)
            state, status = api_state(result, code, text, task_downstream=downstream)
            if downstream:
                status["termination_details"]["code"] = "SKIPPED"
            fragment = _inner({"state": state, "status": status})
            self._states[key] = fragment
        return fragment

    def _task_fragment(self, job: Job, slot: int) -> str:
        fragment = self._task_static.get((job.idx, slot))
        if fragment is None:
            body = task_settings(job, job.tasks[slot])
            body.pop("email_notifications", None)
            fragment = _inner(body)
            self._task_static[(job.idx, slot)] = fragment
        return fragment

    def _run_fragment(self, job: Job) -> str:
        fragment = self._run_static.get(job.idx)
        if fragment is None:
            extra: dict = {}
            if job.trigger == "cron":
                extra["schedule"] = {"quartz_cron_expression": job.cron.quartz, "timezone_id": job.cron.timezone,
                                     "pause_status": "UNPAUSED"}
            if job.compute == "job_cluster":
                extra["job_clusters"] = [job_cluster_spec(job)]
            if job.compute == "serverless":
                extra["effective_performance_target"] = ["PERFORMANCE_OPTIMIZED", "STANDARD"][job.job_id % 2]
            extra["creator_user_name"] = job.creator.user_name
            fragment = _inner(extra)
            self._run_static[job.idx] = fragment
        return fragment

    def _name(self, version: int) -> str:
        name = self._names.get(version)
        if name is None:
            name = self._names[version] = json.dumps(self.versions[version].name)
        return name

    # -- assembly ------------------------------------------------------------------------------------------------

    def _run_json(self, k: int, R: dict, T: dict, task_rows: range, seg_ids: range) -> tuple[str, int, list, list]:
        job = self.world.jobs[R["job"][k]]
        S = self.S
        final = seg_ids[-1]
        result = S["result"][final]
        running = result == RUNNING
        start = R["start"][k]
        end = 0 if running else S["end"][final]
        repaired_slots = {T["slot"][t] for t in task_rows if S["kind"][T["seg"][t]] == 1}
        task_jsons, outputs, replaced, task_ids_by_seg = [], [], [], {s: [] for s in seg_ids}
        for t in task_rows:
            seg = T["seg"][t]
            task_ids_by_seg[seg].append(T["id"][t])
            body, output = self._task_json(job, T, t)
            # The repair's task run replaces the original in `tasks`; the original stays in repair_history.
            if not (S["kind"][seg] == 0 and T["slot"][t] in repaired_slots):
                task_jsons.append(body)
            else:
                replaced.append((T["id"][t], body))
            if output is not None:
                outputs.append(output)
        trigger = API_TRIGGER[TRIGGERS[R["trigger"][k]]]
        parts = [
            f'{{"job_id":{job.job_id},"run_id":{R["run_id"][k]},"number_in_job":{R["run_id"][k]},'
            f'"original_attempt_run_id":{R["original"][k]},"attempt_number":{1 if R["retry"][k] else 0},',
            self._run_fragment(job),
            f',"run_name":{self._name(R["version"][k])},"run_type":"{RUN_TYPES[R["run_type"][k]]}",',
            QUEUED_STATE.format(limit=job.max_concurrent_runs) if R["queued"][k] else
            self._state_fragment(job, result, S["term"][final], S["cluster"][final]),
            f',"start_time":{start},"end_time":{end},"setup_duration":0,"execution_duration":0,'
            f'"cleanup_duration":0,"queue_duration":{S["queue"][seg_ids[0]] * 1000},'
            f'"run_duration":{(end if not running else self.now) - start},"trigger":"{trigger}",'
            f'"format":"MULTI_TASK","tasks":[', ",".join(task_jsons), '],"has_more":false',
        ]
        if job.has_parameters:
            env = json.dumps(job.latest.tags.get("env", "prod"))
            parts.append(f',"job_parameters":[{{"name":"env","default":{env},"value":{env}}},'
                         f'{{"name":"run_date","default":"","value":"{R["day"][k]}"}}]')
        if len(job.tasks) == 1 and len(task_jsons) == 1 and '"cluster_instance"' in task_jsons[0]:
            parts.append(',"cluster_instance":' + task_jsons[0][task_jsons[0].index('"cluster_instance":') + 19:-1])
        if len(seg_ids) > 1:
            history = [self._repair_entry(job, R["run_id"][k], s, task_ids_by_seg[s]) for s in seg_ids]
            parts.append(',"repair_history":' + json.dumps(history, separators=(",", ":")))
        parts.append("}")
        return "".join(parts), end, outputs, replaced

    def _repair_entry(self, job: Job, run_id: int, s: int, task_ids: list[int]) -> dict:
        S = self.S
        result = S["result"][s]
        code = TERM_CODES[S["term"][s]] if S["term"][s] >= 0 else None
        state, status = api_state(result, code, _message(job, result, code, S["cluster"][s]))
        return {"type": "ORIGINAL" if S["kind"][s] == 0 else "REPAIR",
                "id": run_id + (0 if S["kind"][s] == 0 else REPAIR_ID_OFFSET),
                "start_time": S["start"][s], "end_time": S["end"][s], "state": state, "status": status,
                "task_run_ids": task_ids}

    def _task_json(self, job: Job, T: dict, t: int) -> tuple[str, tuple | None]:
        S = self.S
        slot, result, term, seg = T["slot"][t], T["result"][t], T["term"][t], T["seg"][t]
        cluster = S["cluster"][seg]
        started = result != PENDING
        finished = result not in (RUNNING, PENDING)
        downstream = result in (BLOCKED, CANCELLED) and T["start"][t] == T["end"][t] and \
            S["result"][seg] not in (BLOCKED, CANCELLED)
        message = None
        if downstream and result == BLOCKED:
            message = "Upstream task(s) failed."
        elif not finished:
            message = ""
        elif result == FAILED and term >= 0 and TERM_CODES[term] == "RUN_EXECUTION_ERROR":
            message = "Workload failed, see run output for details"
        start = T["start"][t] if started else 0
        end = T["end"][t] if finished else 0
        duration = (end - start) if finished else (self.now - start if started else 0)
        instance = ""
        if cluster and started and not downstream and job.compute != "serverless":
            instance = (f',"cluster_instance":{{"cluster_id":"{cluster}",'
                        f'"spark_context_id":"{(T["id"][t] * 2654435761) % 10**19}"}}')
        body = (f'{{{self._task_fragment(job, slot)},"run_id":{T["id"][t]},"attempt_number":{T["attempt"][t]},'
                f'{self._state_fragment(job, result, term, cluster, downstream, message)},'
                f'"start_time":{start},"end_time":{end},"setup_duration":0,"execution_duration":{duration},'
                f'"cleanup_duration":0,"run_duration":{duration},"queue_duration":0{instance}}}')
        return body, self._output(job, T["id"][t], body, result, term, slot, downstream, cluster)

    def _output(self, job: Job, task_run_id: int, body: str, result: int, term: int, slot: int,
                downstream: bool, cluster: str | None) -> tuple | None:
        spec = job.tasks[slot]
        if result in (FAILED, ERROR, TIMED_OUT) and not downstream:
            metadata = f'{{"job_id":{job.job_id},{body[1:]}'
            code = TERM_CODES[term]
            slug = spec.path.split("/")[-2]
            if code == "RUN_EXECUTION_ERROR":
                error = self.py.choice(ERROR_DETAILS["RUN_EXECUTION_ERROR"]).format(slug=slug)
            else:
                error = _message(job, result, code, cluster) or code
            trace = (f"---------------------------------------------------------------------------\n"
                     f"{error.split(':')[0]}                         Traceback (most recent call last)\n"
                     f"File {spec.path}, line {self.py.randrange(12, 240)}\n"
                     f"    df = spark.read.table(\"main.{slug}.staging\")\n{error}")
            return task_run_id, (f'{{"error":{json.dumps(error)},"error_trace":{json.dumps(trace)},'
                                 f'"metadata":{metadata}}}')
        if result == SUCCEEDED and spec.kind == "notebook_task" and self.py.random() < 0.2:
            payload = json.dumps(json.dumps({"rows_written": self.py.randrange(100, 5_000_000)}))
            return task_run_id, (f'{{"notebook_output":{{"result":{payload},"truncated":false}},'
                                 f'"metadata":{{"job_id":{job.job_id},{body[1:]}}}')
        return None


def _inner(d: dict) -> str:
    """A dict's JSON without the surrounding braces, to splice into a larger object."""
    return json.dumps(d, separators=(",", ":"))[1:-1]


__all__ = ["RunWriter", "write_jobs_and_acl", "job_settings"]
