-- Health per job as of :window_end (_job_health.sql): given jobs (:job_keys), or every job that finished a run in the
-- last 30 days (NULL), with whether the job is deleted (its latest row in the jobs table has a delete_time).
WITH
-- @include _run_rollup
,
-- @include _job_health
,
deleted_jobs AS (
  SELECT workspace_id, job_id
  FROM system.lakeflow.jobs
  QUALIFY row_number() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1
      AND delete_time IS NOT NULL
)
SELECT h.*, d.job_id IS NOT NULL AS deleted
FROM job_health h
LEFT JOIN deleted_jobs d ON d.workspace_id = h.workspace_id AND d.job_id = h.job_id
ORDER BY h.workspace_id, h.job_id
