-- Shared CTEs: task runs (`task_run_rows`) assembled from the `task_run_slices` CTE the including statement defines,
-- like job runs are from theirs. A retried task has one task run per attempt; a repaired one may have several end
-- rows under one task run id (the latest wins).
task_ends AS (
  SELECT
    workspace_id, run_id, period_end_time, result_state, termination_code, termination_type,
    setup_duration_seconds, execution_duration_seconds, cleanup_duration_seconds,
    row_number() OVER (PARTITION BY workspace_id, run_id ORDER BY period_end_time DESC) AS end_rank
  FROM task_run_slices
  WHERE result_state IS NOT NULL
),
task_spans AS (
  SELECT
    workspace_id, job_id, job_run_id, run_id, max(task_key) AS task_key,
    min(period_start_time) AS start_time,
    sum(timestampdiff(SECOND, period_start_time, period_end_time)) AS active_seconds,
    max(compute_ids) AS compute_ids
  FROM task_run_slices
  GROUP BY workspace_id, job_id, job_run_id, run_id
),
task_run_rows AS (
  SELECT
    s.workspace_id, s.job_id, s.job_run_id, s.run_id, s.task_key, s.start_time, s.active_seconds, s.compute_ids,
    e.period_end_time AS end_time, e.result_state, e.termination_code, e.termination_type,
    e.setup_duration_seconds, e.execution_duration_seconds, e.cleanup_duration_seconds
  FROM task_spans s
  LEFT JOIN task_ends e ON e.workspace_id = s.workspace_id AND e.run_id = s.run_id AND e.end_rank = 1
)
