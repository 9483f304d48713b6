-- For jobs whose latest version in system.lakeflow.jobs records a cron schedule (:job_keys NULL: every such job):
-- every version's change time and pause state (the pause history; `paused` is NULL in rows written before the
-- column existed), with the latest version's schedule, creation and deletion; the start of each of their runs the
-- schedule triggered (trigger_type CRON) in [:runs_from, :runs_until), a run's start being its first slice (runs
-- with a slice in the lookback before :runs_from started earlier and are left out); and how far the run timeline
-- has caught up (the newest slice end from :runs_from on), so that fires the tables cannot show yet are not judged,
-- and where it begins (the oldest slice start from :runs_from on), before which no fire can be judged.
WITH versions AS (
  SELECT
    workspace_id, job_id, change_time, paused, delete_time,
    `trigger`.schedule.quartz_cron_expression AS quartz_cron_expression,
    `trigger`.schedule.timezone_id AS timezone_id,
    coalesce(create_time, min(change_time) OVER (PARTITION BY workspace_id, job_id)) AS created_time,
    row_number() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) AS newest
  FROM system.lakeflow.jobs
  WHERE (:job_keys IS NULL OR array_contains(:job_keys, concat(workspace_id, ':', job_id)))
    AND (:all_jobs OR concat(workspace_id, ':', job_id) IN (SELECT explode(:visible_jobs)))
),
scheduled AS (
  SELECT workspace_id, job_id
  FROM versions
  WHERE newest = 1 AND quartz_cron_expression IS NOT NULL
),
history AS (
  SELECT v.*
  FROM versions v
  LEFT SEMI JOIN scheduled s ON s.workspace_id = v.workspace_id AND s.job_id = v.job_id
),
begun_earlier AS (
  SELECT DISTINCT workspace_id, job_id, run_id
  FROM system.lakeflow.job_run_timeline
  WHERE period_start_time >= :lookback_start
    AND period_start_time < :runs_from
),
starts AS (
  SELECT t.workspace_id, t.job_id, t.run_id, min(t.period_start_time) AS start_time
  FROM system.lakeflow.job_run_timeline t
  LEFT SEMI JOIN scheduled s ON s.workspace_id = t.workspace_id AND s.job_id = t.job_id
  LEFT ANTI JOIN begun_earlier e ON e.workspace_id = t.workspace_id AND e.job_id = t.job_id AND e.run_id = t.run_id
  WHERE t.period_start_time >= :runs_from
    AND t.period_start_time < :runs_until
    AND t.trigger_type = 'CRON'
  GROUP BY t.workspace_id, t.job_id, t.run_id
)
SELECT
  'version' AS row_kind, workspace_id, job_id, change_time AS at, paused, delete_time, quartz_cron_expression,
  timezone_id, created_time, newest = 1 AS latest, CAST(NULL AS STRING) AS run_id,
  CAST(NULL AS TIMESTAMP) AS timeline_from
FROM history
UNION ALL
SELECT
  'start' AS row_kind, workspace_id, job_id, start_time, CAST(NULL AS BOOLEAN), CAST(NULL AS TIMESTAMP),
  CAST(NULL AS STRING), CAST(NULL AS STRING), CAST(NULL AS TIMESTAMP), CAST(NULL AS BOOLEAN), run_id,
  CAST(NULL AS TIMESTAMP)
FROM starts
UNION ALL
SELECT
  'freshness' AS row_kind, CAST(NULL AS STRING), CAST(NULL AS STRING), max(period_end_time), CAST(NULL AS BOOLEAN),
  CAST(NULL AS TIMESTAMP), CAST(NULL AS STRING), CAST(NULL AS STRING), CAST(NULL AS TIMESTAMP),
  CAST(NULL AS BOOLEAN), CAST(NULL AS STRING), min(period_start_time)
FROM system.lakeflow.job_run_timeline
WHERE period_start_time >= :runs_from
ORDER BY row_kind, workspace_id, job_id, at
