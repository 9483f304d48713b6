-- Task runs of given job runs (by id).
WITH
task_run_slices AS (
  SELECT *
  FROM system.lakeflow.job_task_run_timeline
  WHERE period_start_time >= :window_start
    AND array_contains(:run_keys, concat(workspace_id, ':', job_run_id))
    AND (:all_jobs OR concat(workspace_id, ':', job_id) IN (SELECT explode(:visible_jobs)))
)
,
-- @include _task_rollup
SELECT *
FROM task_run_rows
ORDER BY workspace_id, job_run_id, start_time, task_key, run_id
