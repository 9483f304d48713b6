-- Spend of job usage (usage carrying a job id) that started in [:usage_start, :usage_end), per job, split by
-- whether the usage record carries no custom tag at all (`untagged`) and, when :tag_key is given, whether it has no
-- value for that key (`without_key`), by SKU and unit price; and how far billing has caught up ('billing'). The tags
-- are the record's own: those in force when the usage ran, not the job's current ones.
WITH
-- @include _priced_usage
,
-- @include _billed_through
, job_usage AS (
  SELECT
    concat(workspace_id, ':', usage_metadata.job_id) AS subject,
    custom_tags IS NULL OR cardinality(custom_tags) = 0 AS untagged,
    :tag_key IS NOT NULL AND custom_tags[:tag_key] IS NULL AS without_key,
    sku_name, usage_unit, currency_code, unit_price, usage_quantity
  FROM priced_usage
  WHERE usage_metadata.job_id IS NOT NULL
)
SELECT
  'usage' AS row_kind, subject, untagged, without_key, sku_name, usage_unit, currency_code, unit_price,
  sum(usage_quantity) AS quantity, CAST(NULL AS TIMESTAMP) AS billed_through
FROM job_usage
GROUP BY subject, untagged, without_key, sku_name, usage_unit, currency_code, unit_price
UNION ALL
SELECT 'billing', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, billed_through
FROM billed
