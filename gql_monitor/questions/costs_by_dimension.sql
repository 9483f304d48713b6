-- Account spend in a window grouped by one dimension (:dimension is one of a fixed set, chosen by a GraphQL enum),
-- by day and SKU. Rows whose group is unknown (no job id, tag absent, no run-as) keep a NULL group: they are the
-- unattributed remainder and are never dropped. `attributed_to_job` splits every group by whether a job owns it.
-- Usage rows have row_kind 'usage'; one 'billing' row says how far billing has caught up.
WITH
-- @include _priced_usage
,
-- @include _billed_through
, grouped AS (
  SELECT
    CASE :dimension
      WHEN 'JOB' THEN CASE WHEN usage_metadata.job_id IS NOT NULL
                           THEN concat(workspace_id, ':', usage_metadata.job_id) END
      WHEN 'SKU' THEN sku_name
      WHEN 'WORKSPACE' THEN workspace_id
      WHEN 'TAG' THEN custom_tags[:tag_key]
      WHEN 'RUN_AS' THEN identity_metadata.run_as
      WHEN 'PRODUCT' THEN billing_origin_product
      WHEN 'DAY' THEN CAST(usage_date AS STRING)
    END AS group_key,
    usage_metadata.job_id IS NOT NULL AS attributed_to_job,
    usage_date, sku_name, usage_unit, currency_code, unit_price, usage_quantity
  FROM priced_usage
  WHERE (:workspace_id IS NULL OR workspace_id = :workspace_id)
    AND (:skus IS NULL OR array_contains(:skus, sku_name))
    AND (:products IS NULL OR array_contains(:products, billing_origin_product))
)
SELECT 'usage' AS row_kind, group_key, attributed_to_job, usage_date, sku_name, usage_unit, currency_code, unit_price,
       sum(usage_quantity) AS quantity, CAST(NULL AS TIMESTAMP) AS billed_through
FROM grouped
GROUP BY group_key, attributed_to_job, usage_date, sku_name, usage_unit, currency_code, unit_price
UNION ALL
SELECT 'billing', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, billed_through
FROM billed
