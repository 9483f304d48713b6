-- Task runs of given job runs (by id).
WITH
task_slices AS (
  SELECT *
  FROM system.lakeflow.job_task_run_timeline
  WHERE period_start_time >= :window_start
    AND array_contains(:run_keys, concat(workspace_id, ':', job_run_id))
)
,
-- @include _task_rollup
