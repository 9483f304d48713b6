-- Spend of each run on a page of runs (the same page runs.sql returns for the same parameters), by day and SKU
-- (row_kind 'usage'); per run of the page, its task runs and how many used all-purpose compute ('activity'); and how
-- far billing has caught up ('billing', one row). Asked together with the page, so a list of runs and their costs
-- take one round trip, not two. Usage is read from :usage_start (the window start's hour: no run of the page started
-- earlier) to :usage_end.
WITH
-- @include _run_page
,
-- @include _priced_usage
,
-- @include _task_activity
,
-- @include _billed_through
SELECT
  'usage' AS row_kind, p.job_key, p.run_key, u.usage_date, u.sku_name, u.usage_unit, u.currency_code, u.unit_price,
  sum(u.usage_quantity) AS quantity,
  CAST(NULL AS BIGINT) AS task_runs, CAST(NULL AS BIGINT) AS all_purpose_task_runs,
  CAST(NULL AS BIGINT) AS open_task_runs, CAST(NULL AS TIMESTAMP) AS last_end,
  CAST(NULL AS TIMESTAMP) AS billed_through
FROM priced_usage u
JOIN run_page p ON p.workspace_id = u.workspace_id AND p.run_id = u.usage_metadata.job_run_id
GROUP BY p.job_key, p.run_key, u.usage_date, u.sku_name, u.usage_unit, u.currency_code, u.unit_price
UNION ALL
SELECT
  'activity', p.job_key, p.run_key, NULL, NULL, NULL, NULL, NULL, NULL,
  count(*), sum(a.all_purpose), sum(1 - a.ended), max(a.last_end), NULL
FROM task_activity a
JOIN run_page p ON p.workspace_id = a.workspace_id AND p.run_id = a.job_run_id
GROUP BY p.job_key, p.run_key
UNION ALL
SELECT 'billing', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, billed_through
FROM billed
