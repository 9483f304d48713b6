-- Shared CTE: how far billing has caught up, the end of the newest usage record (the usage table's latest hour).
-- Account-wide, read from the partitions `priced_usage` reads (:usage_start's day on), so it adds no older scan.
billed AS (
  SELECT max(usage_end_time) AS billed_through
  FROM system.billing.usage
  WHERE usage_date >= CAST(:usage_start AS DATE)
)
