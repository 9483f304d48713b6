-- Shared CTE: each job run's priced usage (usage_metadata.job_run_id), summed per day, SKU and unit price, from
-- `priced_usage`: the rows Run.cost sums, for every run at once.
run_usage AS (
  SELECT
    workspace_id, usage_metadata.job_id AS job_id, usage_metadata.job_run_id AS run_id, usage_date, sku_name,
    usage_unit, currency_code, unit_price, sum(usage_quantity) AS quantity
  FROM priced_usage
  WHERE usage_metadata.job_run_id IS NOT NULL
  GROUP BY workspace_id, usage_metadata.job_id, usage_metadata.job_run_id, usage_date, sku_name, usage_unit,
           currency_code, unit_price
)
