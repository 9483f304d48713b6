-- Spend of task runs, where it can be attributed: usage of a job run on a cluster that exactly one task run of
-- that job run used (row_kind 'usage'). Serverless usage and clusters shared by several tasks are attributable only
-- to the job run. Per task run: whether it had such a cluster and whether it used all-purpose compute ('activity');
-- and how far billing has caught up ('billing', one row).
WITH
-- @include _priced_usage
,
-- @include _task_activity
,
-- @include _billed_through
, task_clusters AS (
  SELECT DISTINCT workspace_id, job_run_id, task_run_id, explode(compute_ids) AS cluster_id
  FROM task_slices
),
exclusive_clusters AS (
  SELECT workspace_id, job_run_id, cluster_id, max(task_run_id) AS task_run_id
  FROM task_clusters
  GROUP BY workspace_id, job_run_id, cluster_id
  HAVING count(DISTINCT task_run_id) = 1
),
exclusive_task_runs AS (
  SELECT workspace_id, task_run_id, count(*) AS clusters
  FROM exclusive_clusters
  GROUP BY workspace_id, task_run_id
)
SELECT
  'usage' AS row_kind, c.workspace_id, c.job_run_id, c.task_run_id, u.usage_date, u.sku_name, u.usage_unit,
  u.currency_code, u.unit_price, sum(u.usage_quantity) AS quantity,
  CAST(NULL AS BIGINT) AS task_runs, CAST(NULL AS BIGINT) AS exclusive_clusters,
  CAST(NULL AS BIGINT) AS all_purpose_task_runs,
  CAST(NULL AS BIGINT) AS open_task_runs, CAST(NULL AS TIMESTAMP) AS last_end,
  CAST(NULL AS TIMESTAMP) AS billed_through
FROM priced_usage u
JOIN exclusive_clusters c
  ON c.workspace_id = u.workspace_id
 AND c.job_run_id = u.usage_metadata.job_run_id
 AND c.cluster_id = u.usage_metadata.cluster_id
GROUP BY c.workspace_id, c.job_run_id, c.task_run_id, u.usage_date, u.sku_name, u.usage_unit, u.currency_code,
         u.unit_price
UNION ALL
SELECT
  'activity', a.workspace_id, a.job_run_id, a.task_run_id, NULL, NULL, NULL, NULL, NULL, NULL,
  1, coalesce(x.clusters, 0), a.all_purpose, 1 - a.ended, a.last_end, NULL
FROM task_activity a
LEFT JOIN exclusive_task_runs x ON x.workspace_id = a.workspace_id AND x.task_run_id = a.task_run_id
UNION ALL
SELECT 'billing', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, billed_through
FROM billed
