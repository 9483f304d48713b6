-- How far behind the system tables are: the newest run slice and the newest usage hour.
-- Bounded to recent partitions so the scan stays small on large accounts.
SELECT
  (SELECT max(period_end_time)
     FROM system.lakeflow.job_run_timeline
    WHERE period_start_time >= :since) AS latest_period_end_time,
  (SELECT max(usage_end_time)
     FROM system.billing.usage
    WHERE usage_date >= CAST(:since AS DATE)) AS latest_usage_end_time
