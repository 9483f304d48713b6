-- Spend of each attempt (the original execution, then each repair) of given job runs, by day and SKU, as summed
-- quantities at each unit price. Usage on a cluster that only one attempt of the run used is that attempt's (a
-- job cluster is started afresh for each attempt). Other usage (serverless, a cluster the attempts shared) goes to
-- the attempt running in its hour; when the previous attempt also ran in that hour the row is marked `shared`, as
-- nothing in the usage record says which of the two it was. Like cost_by_run.sql, also per run its task runs and
-- how many used all-purpose compute ('activity'), and how far billing has caught up ('billing', one row).
WITH
-- @include _run_rollup
,
-- @include _priced_usage
,
-- @include _task_activity
,
-- @include _billed_through
, asked_attempts AS (
  SELECT
    workspace_id, run_id, attempt,
    date_trunc('HOUR', start_time) AS from_hour,
    lead(date_trunc('HOUR', start_time)) OVER (PARTITION BY workspace_id, run_id ORDER BY attempt) AS next_from_hour,
    lag(end_time) OVER (PARTITION BY workspace_id, run_id ORDER BY attempt) AS previous_end
  FROM run_attempts
),
attempt_clusters AS (
  SELECT workspace_id, run_id, cluster_id, max(attempt) AS attempt
  FROM (
    SELECT DISTINCT workspace_id, run_id, attempt, explode(compute_ids) AS cluster_id
    FROM attempt_slices
  )
  GROUP BY workspace_id, run_id, cluster_id
  HAVING count(DISTINCT attempt) = 1
),
attributed AS (
  SELECT
    u.workspace_id, u.usage_metadata.job_run_id AS run_id,
    coalesce(c.attempt, a.attempt) AS attempt,
    c.attempt IS NULL AND coalesce(a.previous_end > u.usage_start_time, FALSE) AS shared,
    u.usage_date, u.sku_name, u.usage_unit, u.currency_code, u.unit_price, u.usage_quantity
  FROM priced_usage u
  LEFT JOIN attempt_clusters c
    ON c.workspace_id = u.workspace_id
   AND c.run_id = u.usage_metadata.job_run_id
   AND c.cluster_id = u.usage_metadata.cluster_id
  -- Hours partition the run's time among its attempts: each usage row meets exactly one attempt here.
  LEFT JOIN asked_attempts a
    ON a.workspace_id = u.workspace_id
   AND a.run_id = u.usage_metadata.job_run_id
   AND (a.attempt = 1 OR u.usage_start_time >= a.from_hour)
   AND (a.next_from_hour IS NULL OR u.usage_start_time < a.next_from_hour)
)
SELECT
  'usage' AS row_kind, workspace_id, run_id, attempt, shared, usage_date, sku_name, usage_unit, currency_code,
  unit_price, sum(usage_quantity) AS quantity,
  CAST(NULL AS BIGINT) AS task_runs, CAST(NULL AS BIGINT) AS all_purpose_task_runs,
  CAST(NULL AS BIGINT) AS open_task_runs, CAST(NULL AS TIMESTAMP) AS last_end,
  CAST(NULL AS TIMESTAMP) AS billed_through
FROM attributed
GROUP BY workspace_id, run_id, attempt, shared, usage_date, sku_name, usage_unit, currency_code, unit_price
UNION ALL
SELECT
  'activity', workspace_id, job_run_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  count(*), sum(all_purpose), sum(1 - ended), max(last_end), NULL
FROM task_activity
GROUP BY workspace_id, job_run_id
UNION ALL
SELECT 'billing', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, billed_through
FROM billed
