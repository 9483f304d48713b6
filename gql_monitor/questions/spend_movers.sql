-- Spend in two periods of the same length, the previous one [:usage_start, :current_start) and the current one
-- [:current_start, :usage_end), by usage start, of each subject of _spend_subjects.sql (the account, unattributed
-- usage, each job, each value of :tag_key with the usage without it kept as its own group), by SKU and unit price;
-- and how far billing has caught up ('billing'). Every subject is returned, not only the top movers: the ranking is
-- made in Python on exact amounts (insights/movers.py), so no rounding of an approximation decides the top N.
WITH
-- @include _priced_usage
,
-- @include _billed_through
, slotted_usage AS (
  SELECT
    CASE WHEN usage_start_time >= :current_start THEN 'current' ELSE 'previous' END AS slot,
    workspace_id, usage_metadata.job_id AS job_id, custom_tags, sku_name, usage_unit, currency_code, unit_price,
    usage_quantity
  FROM priced_usage
),
-- @include _spend_subjects
SELECT
  'usage' AS row_kind, kind, subject, slot AS period, sku_name, usage_unit, currency_code, unit_price,
  sum(usage_quantity) AS quantity, CAST(NULL AS TIMESTAMP) AS billed_through
FROM spend_subjects
GROUP BY kind, subject, slot, sku_name, usage_unit, currency_code, unit_price
UNION ALL
SELECT 'billing', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, billed_through
FROM billed
