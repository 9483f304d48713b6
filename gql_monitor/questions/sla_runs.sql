-- Per job with an SLA target (:job_keys, and :sla_seconds, the target of the job at the same position): how many of
-- its runs in the window finished, each finished run longer than the target (a breach: duration_seconds > target),
-- and each run still in progress (no end row), whose elapsed time the caller compares with the target.
WITH
-- @include _run_rollup
, judged AS (
  SELECT
    workspace_id, job_id, run_id, start_time, end_time, duration_seconds,
    element_at(:sla_seconds, CAST(array_position(:job_keys, concat(workspace_id, ':', job_id)) AS INT))
      AS sla_seconds
  FROM runs
  WHERE array_contains(:job_keys, concat(workspace_id, ':', job_id))
),
counted AS (
  SELECT
    judged.*,
    sum(CASE WHEN end_time IS NOT NULL THEN 1 ELSE 0 END) OVER (PARTITION BY workspace_id, job_id) AS finished_runs,
    max(CASE WHEN end_time IS NOT NULL THEN start_time END) OVER (PARTITION BY workspace_id, job_id)
      AS latest_finished_start
  FROM judged
)
SELECT
  CASE WHEN end_time IS NULL THEN 'running' ELSE 'breach' END AS row_kind,
  workspace_id, job_id, run_id, start_time, end_time, duration_seconds, sla_seconds, finished_runs,
  latest_finished_start
FROM counted
WHERE end_time IS NULL OR duration_seconds > sla_seconds
UNION ALL
SELECT DISTINCT
  'job' AS row_kind, workspace_id, job_id, CAST(NULL AS STRING), CAST(NULL AS TIMESTAMP), CAST(NULL AS TIMESTAMP),
  CAST(NULL AS BIGINT), sla_seconds, finished_runs, latest_finished_start
FROM counted
ORDER BY row_kind, workspace_id, job_id, start_time
