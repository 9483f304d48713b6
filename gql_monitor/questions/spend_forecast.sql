-- Daily spend since :usage_start (the earlier of the month's start and the trailing days the projection averages)
-- of each subject of _spend_subjects.sql: the account ('total'), usage no job can be charged for ('unattributed'),
-- each job ('job') and, when :tag_key is given, each value of that custom tag ('tag'; subject NULL: usage without
-- the tag), by SKU and unit price; and how far billing has caught up ('billing'). Python takes the month's spend so
-- far, the trailing days' average and range, and the projection in exact decimals (insights/forecast.py).
WITH
-- @include _priced_usage
,
-- @include _billed_through
, slotted_usage AS (
  SELECT usage_date AS slot, workspace_id, usage_metadata.job_id AS job_id, custom_tags, sku_name, usage_unit,
         currency_code, unit_price, usage_quantity
  FROM priced_usage
),
-- @include _spend_subjects
SELECT
  'usage' AS row_kind, kind, subject, slot AS usage_date, sku_name, usage_unit, currency_code, unit_price,
  sum(usage_quantity) AS quantity, CAST(NULL AS TIMESTAMP) AS billed_through
FROM spend_subjects
GROUP BY kind, subject, slot, sku_name, usage_unit, currency_code, unit_price
UNION ALL
SELECT 'billing', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, billed_through
FROM billed
