-- The rows CostSummary reads, per subject (a job, a run): its usage by day and SKU, as summed quantities at each
-- unit price (row_kind 'usage'); its task runs and how many used all-purpose compute ('activity'); and how far billing
-- has caught up ('billing', one row). The including file defines the subjects: subject_usage (priced_usage with a
-- subject_id) and subject_activity (task_activity with a subject_id).
SELECT
  'usage' AS row_kind, workspace_id, subject_id, usage_date, sku_name, usage_unit,
  currency_code, unit_price, sum(usage_quantity) AS quantity,
  CAST(NULL AS BIGINT) AS task_runs, CAST(NULL AS BIGINT) AS all_purpose_task_runs,
  CAST(NULL AS BIGINT) AS open_task_runs, CAST(NULL AS TIMESTAMP) AS last_end,
  CAST(NULL AS TIMESTAMP) AS billed_through
FROM subject_usage
GROUP BY workspace_id, subject_id, usage_date, sku_name, usage_unit, currency_code, unit_price
UNION ALL
SELECT
  'activity', workspace_id, subject_id, NULL, NULL, NULL, NULL, NULL, NULL,
  count(*), sum(all_purpose), sum(1 - ended), max(last_end), NULL
FROM subject_activity
GROUP BY workspace_id, subject_id
UNION ALL
SELECT 'billing', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, billed_through
FROM billed
