-- Task runs of each run on a page of runs (the same page runs.sql returns for the same parameters), asked together
-- with the page so a list of runs and their tasks take one round trip, not two.
WITH
-- @include _run_page
, task_slices AS (
  SELECT t.*
  FROM system.lakeflow.job_task_run_timeline t
  LEFT SEMI JOIN run_page p ON p.workspace_id = t.workspace_id AND p.run_id = t.job_run_id
  WHERE t.period_start_time >= :window_start
)
,
-- @include _task_rollup
