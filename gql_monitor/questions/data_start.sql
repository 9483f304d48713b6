-- Where the system tables' data begins: the oldest run slice and the oldest usage hour. Windows reach back at most
-- 366 days, so only the time since :since is looked at: an older start would not change what a window can hold.
-- Min of one column over time-bounded partitions, asked only when a client selects it and cached like any answer.
SELECT
  (SELECT min(period_start_time)
     FROM system.lakeflow.job_run_timeline
    WHERE period_start_time >= :since) AS earliest_period_start_time,
  (SELECT min(usage_start_time)
     FROM system.billing.usage
    WHERE usage_date >= CAST(:since AS DATE)
      AND usage_start_time >= :since) AS earliest_usage_start_time
