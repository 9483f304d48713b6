-- Failed runs (FAILED, ERROR, TIMED_OUT: the latest attempt's outcome, _run_rollup.sql) that started in the window,
-- grouped by termination code and, apart, by termination type (:dimension 'CODE' / 'TYPE' in each row; a NULL key is
-- a failure the tables give no code or type for). One statement, rows tagged row_kind:
-- 'group': the group's failed runs and distinct jobs; 'job': its :top_jobs jobs with the most failed runs;
-- 'run': its :recent_runs newest failed runs.
WITH
-- @include _run_rollup
,
failed AS (
  SELECT workspace_id, job_id, run_id, start_time, termination_code, termination_type
  FROM runs
  WHERE result_state IN ('FAILED', 'ERROR', 'TIMED_OUT')
),
grouped AS (
  SELECT 'CODE' AS dimension, termination_code AS group_key, workspace_id, job_id, run_id, start_time FROM failed
  UNION ALL
  SELECT 'TYPE' AS dimension, termination_type AS group_key, workspace_id, job_id, run_id, start_time FROM failed
),
job_counts AS (
  SELECT
    dimension, group_key, workspace_id, job_id, count(*) AS runs,
    row_number() OVER (PARTITION BY dimension, group_key
                       ORDER BY count(*) DESC, workspace_id, job_id) AS job_rank
  FROM grouped
  GROUP BY dimension, group_key, workspace_id, job_id
),
recent_runs AS (
  SELECT
    dimension, group_key, workspace_id, job_id, run_id, start_time,
    row_number() OVER (PARTITION BY dimension, group_key ORDER BY start_time DESC, run_id DESC) AS run_rank
  FROM grouped
)
SELECT 'group' AS row_kind, dimension, group_key, CAST(NULL AS STRING) AS workspace_id, CAST(NULL AS STRING) AS job_id,
       CAST(NULL AS STRING) AS run_id, CAST(NULL AS TIMESTAMP) AS start_time, count(*) AS runs,
       count(DISTINCT workspace_id, job_id) AS jobs
FROM grouped
GROUP BY dimension, group_key
UNION ALL
SELECT 'job', dimension, group_key, workspace_id, job_id, NULL, NULL, runs, NULL
FROM job_counts
WHERE job_rank <= :top_jobs
UNION ALL
SELECT 'run', dimension, group_key, workspace_id, job_id, run_id, start_time, NULL, NULL
FROM recent_runs
WHERE run_rank <= :recent_runs
