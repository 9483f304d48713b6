-- Spend of task runs, where it can be attributed: usage of a job run on a cluster that exactly one task run of
-- that job run used. Serverless usage and clusters shared by several tasks are attributable only to the job run.
WITH
-- @include _priced_usage
, task_clusters AS (
  SELECT workspace_id, job_run_id, run_id AS task_run_id, cluster_id
  FROM (
    SELECT DISTINCT workspace_id, job_run_id, run_id, explode(compute_ids) AS cluster_id
    FROM system.lakeflow.job_task_run_timeline
    WHERE period_start_time >= :usage_start
      AND array_contains(:run_keys, concat(workspace_id, ':', job_run_id))
  )
),
exclusive_clusters AS (
  SELECT workspace_id, job_run_id, cluster_id, max(task_run_id) AS task_run_id
  FROM task_clusters
  GROUP BY workspace_id, job_run_id, cluster_id
  HAVING count(DISTINCT task_run_id) = 1
)
SELECT
  c.workspace_id, c.job_run_id, c.task_run_id, u.usage_date, u.sku_name, u.usage_unit, u.currency_code, u.unit_price,
  sum(u.usage_quantity) AS quantity
FROM priced_usage u
JOIN exclusive_clusters c
  ON c.workspace_id = u.workspace_id
 AND c.job_run_id = u.usage_metadata.job_run_id
 AND c.cluster_id = u.usage_metadata.cluster_id
GROUP BY c.workspace_id, c.job_run_id, c.task_run_id, u.usage_date, u.sku_name, u.usage_unit, u.currency_code,
         u.unit_price
