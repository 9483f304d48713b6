"""workspace_state.*: what the Jobs API of the home workspace returns, from the same truth as the system tables."""

from __future__ import annotations

import json
import random

import numpy as np
import pyarrow as pa

from gql_monitor.local_workspace.gen_common import (
    ANALYST, BLOCKED, CANCELLED, ERROR, FAILED, HOME_WORKSPACE_ID, PENDING, RESULTS, RUN_TYPES, RUNNING, SKIPPED,
    SUCCEEDED, TERM_CODES, TERM_TYPE_OF, TIMED_OUT, TRIGGERS, API_TRIGGER, insert_arrow,
)
from gql_monitor.local_workspace.gen_runs import MAX_TASKS, JobArrays, Runs, Segments, TaskRuns
from gql_monitor.local_workspace.gen_system import file_arrival_url
from gql_monitor.local_workspace.gen_world import Job, TaskSpec, World

REPAIR_ID_OFFSET = 31
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
        "spark_version": ["15.4.x-scala2.12", "16.4.x-scala2.12", "17.3.x-scala2.13"][job.job_id % 3],
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
    """Builds Run JSON (runs/get) and get-output payloads for the home workspace's recent runs."""

    def __init__(self, py: random.Random, world: World, ja: JobArrays, runs: Runs, segs: Segments,
                 tasks: TaskRuns, run_version: np.ndarray, versions: list):
        self.py, self.world, self.ja, self.runs, self.segs, self.tasks = py, world, ja, runs, segs, tasks
        self.run_version, self.versions = run_version, versions
        self.now = world.clock.now_ms

    def selected_runs(self) -> np.ndarray:
        jobs = self.world.jobs
        visible_job = np.array([j.workspace_id == HOME_WORKSPACE_ID and j.deleted_ms is None and not j.aged_out
                                for j in jobs])
        return np.flatnonzero(visible_job[self.runs.job] & (self.runs.start >= self.world.clock.api_start_ms))

    def write(self, con) -> None:
        selected = self.selected_runs()
        chosen = np.zeros(len(self.runs), dtype=bool)
        chosen[selected] = True
        t_sel = np.flatnonzero(chosen[self.tasks.run])
        t_sel = t_sel[np.lexsort((self.tasks.start[t_sel], self.tasks.run[t_sel]))]
        bounds = np.searchsorted(self.tasks.run[t_sel], selected, side="left"), \
            np.searchsorted(self.tasks.run[t_sel], selected, side="right")
        seg_of_run = self._segments_by_run(chosen)
        T = self._task_columns(t_sel)
        R = self._run_columns()
        rows, outputs = [], []
        for k, i in enumerate(selected.tolist()):
            task_rows = range(bounds[0][k], bounds[1][k])
            run_json, out = self._run_json(i, R, T, task_rows, seg_of_run.get(i, []))
            rows.append((R["run_id"][i], R["job_id"][i], R["start"][i], run_json["end_time"],
                         R["result"][i] == RUNNING, RUN_TYPES[R["run_type"][i]],
                         json.dumps(run_json, separators=(",", ":"))))
            outputs.extend(out)
        table = pa.table({name: [r[c] for r in rows] for c, name in enumerate(
            ["run_id", "job_id", "start_time", "end_time", "active", "run_type", "run"])})
        insert_arrow(con, "workspace_state.runs", table,
                     "run_id, job_id, start_time, end_time, active, run_type, run::JSON")
        out_table = pa.table({"run_id": [o[0] for o in outputs], "output": [o[1] for o in outputs]},
                             schema=pa.schema([("run_id", pa.int64()), ("output", pa.string())]))
        insert_arrow(con, "workspace_state.run_outputs", out_table, "run_id, output::JSON")

    def _segments_by_run(self, chosen: np.ndarray) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for s in np.flatnonzero(chosen[self.segs.run]).tolist():
            out.setdefault(int(self.segs.run[s]), []).append(s)
        return out

    def _run_columns(self) -> dict:
        r = self.runs
        return {"run_id": r.run_id.tolist(), "job_id": [self.world.jobs[j].job_id for j in r.job.tolist()],
                "job": r.job.tolist(), "start": r.start.tolist(), "end": r.end.tolist(), "result": r.result.tolist(),
                "term": r.term.tolist(), "trigger": r.trigger.tolist(), "run_type": r.run_type.tolist(),
                "retry_of": r.retry_of.tolist()}

    def _task_columns(self, t_sel: np.ndarray) -> dict:
        t = self.tasks
        return {"seg": t.seg[t_sel].tolist(), "slot": t.slot[t_sel].tolist(), "attempt": t.attempt[t_sel].tolist(),
                "id": t.task_run_id[t_sel].tolist(), "start": t.start[t_sel].tolist(), "end": t.end[t_sel].tolist(),
                "result": t.result[t_sel].tolist(), "term": t.term[t_sel].tolist()}

    def _run_json(self, i: int, R: dict, T: dict, task_rows: range, seg_ids: list[int]) -> tuple[dict, list]:
        job = self.world.jobs[R["job"][i]]
        segs = self.segs
        final_seg = seg_ids[-1]
        result = int(segs.result[final_seg])
        code = TERM_CODES[segs.term[final_seg]] if segs.term[final_seg] >= 0 else None
        cluster = segs.cluster_id[final_seg]
        running = result == RUNNING
        end = 0 if running else int(segs.end[final_seg])
        state, status = api_state(result, code, _message(job, result, code, cluster))
        retry_of = R["retry_of"][i]
        trigger = API_TRIGGER[TRIGGERS[R["trigger"][i]]]
        repaired_slots = {T["slot"][k] for k in task_rows if segs.kind[T["seg"][k]] == 1}
        task_list, outputs, task_ids_by_seg = [], [], {s: [] for s in seg_ids}
        for k in task_rows:
            seg = T["seg"][k]
            task_ids_by_seg[seg].append(T["id"][k])
            if segs.kind[seg] == 0 and T["slot"][k] in repaired_slots:
                continue  # the repair's task run replaces the original in `tasks`; it stays in repair_history
            body, output = self._task_json(job, i, R, T, k)
            task_list.append(body)
            if output is not None:
                outputs.append(output)
        run: dict = {
            "job_id": job.job_id, "run_id": R["run_id"][i], "number_in_job": R["run_id"][i],
            "original_attempt_run_id": R["run_id"][retry_of] if retry_of >= 0 else R["run_id"][i],
            "attempt_number": 1 if retry_of >= 0 else 0,
            "creator_user_name": job.creator.user_name,
            "run_name": self.versions[self.run_version[i]].name,
            "run_type": RUN_TYPES[R["run_type"][i]], "state": state, "status": status,
            "start_time": R["start"][i], "end_time": end,
            "setup_duration": 0, "execution_duration": 0, "cleanup_duration": 0,
            "queue_duration": int(segs.queue_s[seg_ids[0]]) * 1000,
            "run_duration": (end - R["start"][i]) if not running else self.now - R["start"][i],
            "trigger": trigger, "format": "MULTI_TASK", "tasks": task_list, "has_more": False,
        }
        if trigger == "PERIODIC":
            run["schedule"] = {"quartz_cron_expression": job.cron.quartz, "timezone_id": job.cron.timezone,
                               "pause_status": "UNPAUSED"}
        if job.compute == "job_cluster":
            run["job_clusters"] = [job_cluster_spec(job)]
        if job.compute == "serverless":
            run["effective_performance_target"] = ["PERFORMANCE_OPTIMIZED", "STANDARD"][job.job_id % 2]
        if job.has_parameters:
            day = np.datetime_as_string(np.datetime64(R["start"][i], "ms"), unit="D")
            run["job_parameters"] = [{"name": "env", "default": job.latest.tags.get("env", "prod"),
                                      "value": job.latest.tags.get("env", "prod")},
                                     {"name": "run_date", "default": "", "value": str(day)}]
        if len(job.tasks) == 1 and cluster and len(task_list) == 1 and task_list[0].get("cluster_instance"):
            run["cluster_instance"] = task_list[0]["cluster_instance"]
        if len(seg_ids) > 1:
            run["repair_history"] = [self._repair_entry(job, R, i, s, task_ids_by_seg[s]) for s in seg_ids]
        return run, outputs

    def _repair_entry(self, job: Job, R: dict, i: int, s: int, task_ids: list[int]) -> dict:
        segs = self.segs
        result = int(segs.result[s])
        code = TERM_CODES[segs.term[s]] if segs.term[s] >= 0 else None
        state, status = api_state(result, code, _message(job, result, code, segs.cluster_id[s]))
        return {"type": "ORIGINAL" if segs.kind[s] == 0 else "REPAIR",
                "id": R["run_id"][i] + (0 if segs.kind[s] == 0 else REPAIR_ID_OFFSET),
                "start_time": int(segs.start[s]), "end_time": int(segs.end[s]), "state": state, "status": status,
                "task_run_ids": task_ids}

    def _task_json(self, job: Job, i: int, R: dict, T: dict, k: int) -> tuple[dict, tuple | None]:
        segs = self.segs
        spec = job.tasks[T["slot"][k]]
        result, term = T["result"][k], T["term"][k]
        code = TERM_CODES[term] if term >= 0 else None
        seg = T["seg"][k]
        cluster = segs.cluster_id[seg]
        started = result != PENDING
        downstream = result in (BLOCKED, CANCELLED) and T["start"][k] == T["end"][k] and \
            int(segs.result[seg]) not in (BLOCKED, CANCELLED)
        message = "Upstream task(s) failed." if downstream and result == BLOCKED else \
            _message(job, result, code, cluster) if result not in (RUNNING, PENDING) else ""
        if result == FAILED and code == "RUN_EXECUTION_ERROR":
            message = "Workload failed, see run output for details"
        state, status = api_state(result, code, message, task_downstream=downstream)
        if downstream:
            status["termination_details"]["code"] = "SKIPPED"
        finished = result not in (RUNNING, PENDING)
        start = T["start"][k] if started else 0
        end = T["end"][k] if finished else 0
        duration = (end - start) if finished else (self.now - start if started else 0)
        body = task_settings(job, spec)
        body.pop("email_notifications", None)
        body.update({"run_id": T["id"][k], "attempt_number": T["attempt"][k], "state": state, "status": status,
                     "start_time": start, "end_time": end, "setup_duration": 0,
                     "execution_duration": duration, "cleanup_duration": 0, "run_duration": duration,
                     "queue_duration": 0})
        if cluster and started and not downstream and job.compute != "serverless":
            body["cluster_instance"] = {"cluster_id": cluster, "spark_context_id": str(
                (T["id"][k] * 2654435761) % 10**19)}
        return body, self._output(job, body, result, code, spec)

    def _output(self, job: Job, task: dict, result: int, code: str | None, spec: TaskSpec) -> tuple | None:
        meta = {"job_id": job.job_id, "run_id": task["run_id"], "task_key": task["task_key"],
                "state": task["state"], "status": task["status"], "start_time": task["start_time"],
                "end_time": task["end_time"], "attempt_number": task["attempt_number"],
                "run_duration": task["run_duration"], "run_type": "JOB_RUN"}
        if "cluster_instance" in task:
            meta["cluster_instance"] = task["cluster_instance"]
        if result in (FAILED, ERROR, TIMED_OUT) and task["status"]["termination_details"]["code"] != "SKIPPED":
            slug = spec.path.split("/")[-2]
            if code == "RUN_EXECUTION_ERROR":
                error = self.py.choice(ERROR_DETAILS["RUN_EXECUTION_ERROR"]).format(slug=slug)
            else:
                error = task["state"]["state_message"]
            trace = (f"---------------------------------------------------------------------------\n"
                     f"{error.split(':')[0]}                         Traceback (most recent call last)\n"
                     f"File {spec.path}, line {self.py.randrange(12, 240)}\n"
                     f"    df = spark.read.table(\"main.{slug}.staging\")\n{error}")
            return task["run_id"], json.dumps({"error": error, "error_trace": trace, "metadata": meta},
                                              separators=(",", ":"))
        if result == SUCCEEDED and spec.kind == "notebook_task" and self.py.random() < 0.2:
            output = {"notebook_output": {"result": json.dumps({"rows_written": self.py.randrange(100, 5_000_000)}),
                                          "truncated": False}, "metadata": meta}
            return task["run_id"], json.dumps(output, separators=(",", ":"))
        return None


__all__ = ["RunWriter", "write_jobs_and_acl", "job_settings", "MAX_TASKS", "RESULTS"]
