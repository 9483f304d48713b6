-- Spend of each attempt (the original execution, then each repair) of given job runs, by day and SKU, as summed
-- quantities at each unit price, split as _attempt_usage.sql says (rows it cannot split are marked `shared`). Like
-- cost_by_run.sql, also per run its task runs and how many used all-purpose compute ('activity'), and how far
-- billing has caught up ('billing', one row).
WITH
-- @include _run_rollup
,
-- @include _priced_usage
,
-- @include _task_activity
,
-- @include _billed_through
,
-- @include _attempt_usage
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
