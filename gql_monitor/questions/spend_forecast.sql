-- Daily spend since :usage_start (the earlier of the month's start and the trailing days the projection averages)
-- of the account ('total'), of usage no job can be charged for ('unattributed'), of each job ('job') and, when
-- :tag_key is given, of each value of that custom tag ('tag'; subject NULL: usage without the tag), by SKU and unit
-- price; and how far billing has caught up ('billing'). Python takes the month's spend so far, the trailing days'
-- average and range, and the projection in exact decimals (insights/forecast.py).
WITH
-- @include _priced_usage
,
-- @include _billed_through
, subject_usage AS (
  SELECT 'total' AS kind, '' AS subject, usage_date, sku_name, usage_unit, currency_code, unit_price, usage_quantity
  FROM priced_usage
  UNION ALL
  SELECT 'unattributed', '', usage_date, sku_name, usage_unit, currency_code, unit_price, usage_quantity
  FROM priced_usage
  WHERE usage_metadata.job_id IS NULL
  UNION ALL
  SELECT 'job', concat(workspace_id, ':', usage_metadata.job_id), usage_date, sku_name, usage_unit, currency_code,
         unit_price, usage_quantity
  FROM priced_usage
  WHERE usage_metadata.job_id IS NOT NULL
  UNION ALL
  SELECT 'tag', custom_tags[:tag_key], usage_date, sku_name, usage_unit, currency_code, unit_price, usage_quantity
  FROM priced_usage
  WHERE :tag_key IS NOT NULL
)
SELECT
  'usage' AS row_kind, kind, subject, usage_date, sku_name, usage_unit, currency_code, unit_price,
  sum(usage_quantity) AS quantity, CAST(NULL AS TIMESTAMP) AS billed_through
FROM subject_usage
GROUP BY kind, subject, usage_date, sku_name, usage_unit, currency_code, unit_price
UNION ALL
SELECT 'billing', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, billed_through
FROM billed
