-- Spend of each run on a page of runs (the same page runs.sql returns for the same parameters), by day and SKU.
-- Asked together with the page, so a list of runs and their costs take one round trip, not two. Usage is read from
-- :usage_start (the window start's hour: no run of the page started earlier) to :usage_end.
WITH
-- @include _run_page
,
-- @include _priced_usage
SELECT
  p.job_key, p.run_key, u.usage_date, u.sku_name, u.usage_unit, u.currency_code, u.unit_price,
  sum(u.usage_quantity) AS quantity
FROM priced_usage u
JOIN run_page p ON p.workspace_id = u.workspace_id AND p.run_id = u.usage_metadata.job_run_id
GROUP BY p.job_key, p.run_key, u.usage_date, u.sku_name, u.usage_unit, u.currency_code, u.unit_price
