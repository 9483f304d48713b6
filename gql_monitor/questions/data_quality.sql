-- How well the window's activity is covered. Of the jobs seen in the window (a timeline slice that started in it, or
-- a usage record carrying the job id that started in it), the gaps (row_kind 'job'): no row in system.lakeflow.jobs
-- (aged out after 365 days, or never listed), or runs but no usage record carrying the job id (all-purpose compute,
-- billed per cluster; skipped runs; billing lag). Their task runs and all-purpose task runs (_task_activity.sql) tell
-- all-purpose compute from the rest. One 'seen' row counts every job seen, gaps or not.
WITH
-- @include _task_activity
,
run_jobs AS (
  SELECT workspace_id, job_id, count(DISTINCT run_id) AS runs
  FROM system.lakeflow.job_run_timeline
  WHERE period_start_time >= :usage_start AND period_start_time < :usage_end
    AND (:all_jobs OR concat(workspace_id, ':', job_id) IN (SELECT explode(:visible_jobs)))
  GROUP BY workspace_id, job_id
),
usage_jobs AS (
  SELECT workspace_id, usage_metadata.job_id AS job_id, count(*) AS usage_records
  FROM system.billing.usage
  WHERE usage_date >= CAST(:usage_start AS DATE)
    AND usage_date <= CAST(:usage_end AS DATE)
    AND usage_start_time >= :usage_start
    AND usage_start_time < :usage_end
    AND usage_metadata.job_id IS NOT NULL
    AND (:all_jobs OR concat(workspace_id, ':', usage_metadata.job_id) IN (SELECT explode(:visible_jobs)))
  GROUP BY workspace_id, usage_metadata.job_id
),
listed_jobs AS (
  SELECT DISTINCT workspace_id, job_id FROM system.lakeflow.jobs
),
job_tasks AS (
  SELECT workspace_id, job_id, count(*) AS task_runs, sum(all_purpose) AS all_purpose_task_runs
  FROM task_activity
  GROUP BY workspace_id, job_id
),
seen AS (
  SELECT
    coalesce(r.workspace_id, u.workspace_id) AS workspace_id,
    coalesce(r.job_id, u.job_id) AS job_id,
    coalesce(r.runs, 0) AS runs,
    coalesce(u.usage_records, 0) AS usage_records
  FROM run_jobs r
  FULL OUTER JOIN usage_jobs u ON u.workspace_id = r.workspace_id AND u.job_id = r.job_id
)
SELECT
  'job' AS row_kind, s.workspace_id, s.job_id, s.runs, s.usage_records,
  l.job_id IS NOT NULL AS in_jobs_table,
  coalesce(t.task_runs, 0) AS task_runs,
  coalesce(t.all_purpose_task_runs, 0) AS all_purpose_task_runs
FROM seen s
LEFT JOIN listed_jobs l ON l.workspace_id = s.workspace_id AND l.job_id = s.job_id
LEFT JOIN job_tasks t ON t.workspace_id = s.workspace_id AND t.job_id = s.job_id
WHERE l.job_id IS NULL OR (s.runs > 0 AND s.usage_records = 0)
UNION ALL
-- How many jobs were seen at all, gaps or not.
SELECT 'seen', NULL, NULL, count(*), NULL, NULL, NULL, NULL
FROM seen
