-- Per job, its successful runs' durations: the median in the recent period [:recent_start, :window_end) and the
-- median and p95 in the baseline before it [:window_start, :recent_start) (docs/metrics.md, "Durations"), with when
-- the first recent run at least :regression_ratio times the baseline median started; and the job's runs still in
-- progress (no end row) that started in the recent period, whose elapsed time the caller compares with the p95.
-- :job_keys NULL: every job (the alerts' account-wide form).
WITH
-- @include _run_rollup
, job_runs AS (
  SELECT
    workspace_id, job_id, run_id, start_time, end_time, result_state, duration_seconds,
    start_time >= :recent_start AS recent
  FROM runs
  WHERE (:job_keys IS NULL OR array_contains(:job_keys, concat(workspace_id, ':', job_id)))
),
succeeded AS (
  SELECT * FROM job_runs WHERE result_state = 'SUCCEEDED' AND duration_seconds IS NOT NULL
),
baselines AS (
  SELECT
    workspace_id, job_id,
    count_if(recent) AS recent_runs,
    percentile(CASE WHEN recent THEN duration_seconds END, 0.5) AS recent_p50_seconds,
    count_if(NOT recent) AS baseline_runs,
    percentile(CASE WHEN NOT recent THEN duration_seconds END, 0.5) AS baseline_p50_seconds,
    percentile(CASE WHEN NOT recent THEN duration_seconds END, 0.95) AS baseline_p95_seconds
  FROM succeeded
  GROUP BY workspace_id, job_id
),
first_slow AS (
  SELECT s.workspace_id, s.job_id, min(s.start_time) AS first_slow_start
  FROM succeeded s
  JOIN baselines b ON b.workspace_id = s.workspace_id AND b.job_id = s.job_id
  WHERE s.recent AND s.duration_seconds >= b.baseline_p50_seconds * :regression_ratio
  GROUP BY s.workspace_id, s.job_id
)
SELECT
  'job' AS row_kind, b.workspace_id, b.job_id, b.recent_runs, b.recent_p50_seconds, b.baseline_runs,
  b.baseline_p50_seconds, b.baseline_p95_seconds, f.first_slow_start,
  CAST(NULL AS STRING) AS run_id, CAST(NULL AS TIMESTAMP) AS start_time
FROM baselines b
LEFT JOIN first_slow f ON f.workspace_id = b.workspace_id AND f.job_id = b.job_id
UNION ALL
SELECT
  'running' AS row_kind, workspace_id, job_id, CAST(NULL AS BIGINT), CAST(NULL AS DOUBLE), CAST(NULL AS BIGINT),
  CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS TIMESTAMP), run_id, start_time
FROM job_runs
WHERE end_time IS NULL AND recent
ORDER BY row_kind, workspace_id, job_id, start_time
