-- Shared CTEs: every job the account knows, one row each. The latest SCD2 version of each job in the jobs table,
-- plus jobs that ran (in the timeline since :seen_since) but have no row there (aged out of the table, or deleted
-- long ago); those are named from their usage records, else from their latest run name.
latest_jobs AS (
  SELECT
    workspace_id, job_id, name, description, creator_id, creator_user_name, run_as, run_as_user_name, tags,
    change_time, delete_time, `trigger`, trigger_type, paused, timeout_seconds,
    coalesce(create_time, min(change_time) OVER (PARTITION BY workspace_id, job_id)) AS created_time
  FROM system.lakeflow.jobs
  WHERE (:workspace_id IS NULL OR workspace_id = :workspace_id)
    -- Jobs asked for by id (NULL: all) are narrowed here and in seen_jobs, before the catalog is assembled: a few
    -- jobs' names do not group a year of every job's runs.
    AND (:job_keys IS NULL OR array_contains(:job_keys, concat(workspace_id, ':', job_id)))
    AND (:all_jobs OR concat(workspace_id, ':', job_id) IN (SELECT explode(:visible_jobs)))
  QUALIFY row_number() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1
),
seen_jobs AS (
  SELECT workspace_id, job_id, max(period_end_time) AS last_seen_time,
         max_by(run_name, period_end_time) AS last_run_name
  FROM system.lakeflow.job_run_timeline
  WHERE period_start_time >= :seen_since
    AND (:workspace_id IS NULL OR workspace_id = :workspace_id)
    AND (:job_keys IS NULL OR array_contains(:job_keys, concat(workspace_id, ':', job_id)))
    AND (:all_jobs OR concat(workspace_id, ':', job_id) IN (SELECT explode(:visible_jobs)))
  GROUP BY workspace_id, job_id
),
unlisted_jobs AS (
  SELECT s.*
  FROM seen_jobs s
  LEFT ANTI JOIN latest_jobs j ON j.workspace_id = s.workspace_id AND j.job_id = s.job_id
),
usage_names AS (
  SELECT u.workspace_id, u.usage_metadata.job_id AS job_id,
         max_by(u.usage_metadata.job_name, u.usage_end_time) AS job_name,
         max_by(u.identity_metadata.run_as, u.usage_end_time) AS run_as
  FROM system.billing.usage u
  LEFT SEMI JOIN unlisted_jobs s ON s.workspace_id = u.workspace_id AND s.job_id = u.usage_metadata.job_id
  WHERE u.usage_date >= CAST(:seen_since AS DATE)
    AND u.usage_metadata.job_name IS NOT NULL
  GROUP BY u.workspace_id, u.usage_metadata.job_id
),
job_catalog AS (
  SELECT
    workspace_id, job_id, name, description, coalesce(creator_user_name, creator_id) AS creator,
    coalesce(run_as_user_name, run_as) AS run_as, tags, change_time, delete_time, `trigger`, trigger_type,
    paused, timeout_seconds, created_time, true AS in_jobs_table, CAST(NULL AS STRING) AS name_source
  FROM latest_jobs
  UNION ALL
  SELECT
    s.workspace_id, s.job_id, coalesce(u.job_name, s.last_run_name) AS name, CAST(NULL AS STRING) AS description,
    CAST(NULL AS STRING) AS creator, u.run_as AS run_as, CAST(NULL AS MAP<STRING, STRING>) AS tags,
    CAST(NULL AS TIMESTAMP) AS change_time, CAST(NULL AS TIMESTAMP) AS delete_time,
    NULL AS `trigger`, CAST(NULL AS STRING) AS trigger_type, CAST(NULL AS BOOLEAN) AS paused,
    CAST(NULL AS BIGINT) AS timeout_seconds, CAST(NULL AS TIMESTAMP) AS created_time, false AS in_jobs_table,
    CASE WHEN u.job_name IS NOT NULL THEN 'USAGE' ELSE 'RUN_NAME' END AS name_source
  FROM unlisted_jobs s
  LEFT JOIN usage_names u ON u.workspace_id = s.workspace_id AND u.job_id = s.job_id
)
