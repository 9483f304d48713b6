-- Shared CTEs: each job's health as of :health_end (`job_health`), from the whole runs of `runs` (_run_rollup.sql)
-- that started in [:health_start, :health_end) = the last 30 days and have finished. :job_keys (NULL: every job)
-- narrows it.
-- Runs are taken in start order. A failure is FAILED, ERROR or TIMED_OUT; only SUCCEEDED ends a failure streak:
-- CANCELLED, SKIPPED and BLOCKED runs neither extend nor break it (someone stopping a failing job's run does not
-- mean it works again). The streak is the failed runs that started after the latest successful run.
health_runs AS (
  SELECT
    workspace_id, job_id, run_id, start_time, end_time, result_state,
    result_state IN ('FAILED', 'ERROR', 'TIMED_OUT') AS failed,
    start_time >= :week_start AS in_week,
    max(CASE WHEN result_state = 'SUCCEEDED' THEN start_time END)
      OVER (PARTITION BY workspace_id, job_id) AS last_success_start,
    -- Newest first among the job's failed runs (and, apart, among the others): the evidence keeps the newest ten.
    row_number() OVER (
      PARTITION BY workspace_id, job_id, result_state IN ('FAILED', 'ERROR', 'TIMED_OUT')
      ORDER BY start_time DESC, run_id DESC
    ) AS newest_rank
  FROM runs
  WHERE end_time IS NOT NULL
    AND start_time >= :health_start AND start_time < :health_end
    AND (:job_keys IS NULL OR array_contains(:job_keys, concat(workspace_id, ':', job_id)))
),
job_health AS (
  SELECT
    workspace_id, job_id,
    count(*) FILTER (WHERE in_week) AS finished_7d,
    count(*) FILTER (WHERE in_week AND result_state = 'SUCCEEDED') AS succeeded_7d,
    count(*) FILTER (WHERE in_week AND failed) AS failed_7d,
    count(*) AS finished_30d,
    count(*) FILTER (WHERE result_state = 'SUCCEEDED') AS succeeded_30d,
    count(*) FILTER (WHERE failed) AS failed_30d,
    count(*) FILTER (WHERE failed AND (last_success_start IS NULL OR start_time > last_success_start))
      AS failure_streak,
    min(start_time) FILTER (WHERE failed AND (last_success_start IS NULL OR start_time > last_success_start))
      AS failing_since,
    max(end_time) FILTER (WHERE result_state = 'SUCCEEDED' AND start_time = last_success_start)
      AS last_success_time,
    collect_list(named_struct('run_id', run_id, 'start_time', start_time, 'in_week', in_week))
      FILTER (WHERE failed AND newest_rank <= 10) AS failed_runs
  FROM health_runs
  GROUP BY workspace_id, job_id
)
