-- Shared CTE: usage that started in [:usage_start, :usage_end), each row joined to the list price in force when the usage started.
-- Price windows are half-open [price_start_time, price_end_time) so a row on a price boundary matches exactly one
-- price. All record types are kept: RETRACTION rows are negative and cancel the ORIGINAL they correct.
-- :job_keys / :run_keys (NULL: all) narrow it to given jobs or runs. Quantities are summed here and multiplied by the unit price in Python with exact decimals.
priced_usage AS (
  SELECT
    u.*,
    p.currency_code,
    coalesce(p.pricing.effective_list.`default`, p.pricing.`default`) AS unit_price
  FROM system.billing.usage u
  LEFT JOIN system.billing.list_prices p
    ON p.sku_name = u.sku_name
   AND p.cloud = u.cloud
   AND p.usage_unit = u.usage_unit
   AND p.currency_code = 'USD'
   AND u.usage_start_time >= p.price_start_time
   AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)
  WHERE u.usage_date >= CAST(:usage_start AS DATE)
    AND u.usage_date <= CAST(:usage_end AS DATE)
    AND u.usage_start_time >= :usage_start
    AND u.usage_start_time < :usage_end
    -- Narrowed to the jobs or runs asked about before pricing, so only their rows meet the price join.
    AND (:job_keys IS NULL OR array_contains(:job_keys, concat(u.workspace_id, ':', u.usage_metadata.job_id)))
    AND (:run_keys IS NULL OR array_contains(:run_keys, concat(u.workspace_id, ':', u.usage_metadata.job_run_id)))
    -- The caller's job scope (visibility/scope.py): usage of jobs they may not see, and usage of no job, is left out.
    AND (:all_jobs OR concat(u.workspace_id, ':', u.usage_metadata.job_id) IN (SELECT explode(:visible_jobs)))
)
