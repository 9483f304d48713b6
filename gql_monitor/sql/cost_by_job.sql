-- Spend of given jobs in a window, by day and SKU, as summed quantities at each unit price.
WITH
-- @include _priced_usage
SELECT
  workspace_id, usage_metadata.job_id AS job_id, usage_date, sku_name, usage_unit, currency_code, unit_price,
  sum(usage_quantity) AS quantity
FROM priced_usage
GROUP BY workspace_id, usage_metadata.job_id, usage_date, sku_name, usage_unit, currency_code, unit_price
