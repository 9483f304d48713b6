-- Per job and result state in a window: how many runs, plus the job's duration percentiles over finished runs.
-- A run's duration is the sum of its attempts' (each: run_duration_seconds when recorded, else the sum of its slices).
WITH
-- @include _run_rollup
, job_runs AS (
  SELECT
    workspace_id, job_id, result_state, end_time,
    duration_seconds
  FROM runs
  WHERE array_contains(:job_keys, concat(workspace_id, ':', job_id))
),
durations AS (
  SELECT
    workspace_id, job_id,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_seconds) AS p50_seconds,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY duration_seconds) AS p90_seconds,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_seconds) AS p95_seconds,
    max(duration_seconds) AS max_seconds
  FROM job_runs
  WHERE end_time IS NOT NULL
  GROUP BY workspace_id, job_id
),
states AS (
  SELECT workspace_id, job_id, result_state, count(*) AS runs
  FROM job_runs
  GROUP BY workspace_id, job_id, result_state
)
SELECT s.workspace_id, s.job_id, s.result_state, s.runs,
       d.p50_seconds, d.p90_seconds, d.p95_seconds, d.max_seconds
FROM states s
LEFT JOIN durations d ON d.workspace_id = s.workspace_id AND d.job_id = s.job_id
ORDER BY s.workspace_id, s.job_id, s.result_state
