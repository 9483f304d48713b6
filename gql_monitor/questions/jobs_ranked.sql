-- A page of jobs in an order that needs their health, spend, durations or last run (PRIORITY, FAILURE_STREAK,
-- SUCCESS_RATE, COST, DURATION, LAST_RUN; NAME and ID too), or filtered by priority (:priorities). jobs.sql serves
-- plain name and id pages.
-- Every job that passes the filters gets its sort key before the page is cut, so keyset cursors work as in jobs.sql:
-- each key is one string that sorts ascending in the order asked, a fixed-width number first, then the name.
WITH
-- @include _job_catalog
,
-- @include _job_filter
,
-- @include _run_rollup
,
-- @include _job_health
,
-- @include _priced_usage
,
job_spend AS (
  -- List cost of the job's usage in [:usage_start, :usage_end), for the COST order only (the guard spares the other
  -- orders the usage scan). Rounded to 1e-6 per row by decimal arithmetic: good for an order, never shown as money.
  SELECT workspace_id, usage_metadata.job_id AS job_id, sum(usage_quantity * unit_price) AS list_cost
  FROM priced_usage
  WHERE :order_by = 'COST' AND usage_metadata.job_id IS NOT NULL
  GROUP BY workspace_id, usage_metadata.job_id
),
job_durations AS (
  -- p95 duration of the job's finished runs that started in [:rank_start, :rank_end) (as Job.runStats(window)), for
  -- the DURATION order only; `runs` then covers that window as well as health's.
  SELECT workspace_id, job_id, percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_seconds) AS p95_seconds
  FROM runs
  WHERE :order_by = 'DURATION' AND end_time IS NOT NULL AND start_time >= :rank_start AND start_time < :rank_end
  GROUP BY workspace_id, job_id
),
last_runs AS (
  -- The start of the job's latest run in retention (as Job.lastRun), for the LAST_RUN order only.
  SELECT workspace_id, job_id, max(run_start) AS last_run_start
  FROM (
    SELECT workspace_id, job_id, run_id, min(period_start_time) AS run_start
    FROM system.lakeflow.job_run_timeline
    WHERE :order_by = 'LAST_RUN' AND period_start_time >= :seen_since
    GROUP BY workspace_id, job_id, run_id
  )
  GROUP BY workspace_id, job_id
),
ranked AS (
  SELECT
    m.*,
    coalesce(h.failure_streak, 0) AS failure_streak,
    coalesce(h.finished_7d, 0) AS finished_7d,
    coalesce(h.succeeded_7d, 0) AS succeeded_7d,
    -- The health rule of insights/health.py `judge` (docs/metrics.md, "Job health"): 1 = P1 ... 4 = HEALTHY.
    CASE
      WHEN coalesce(h.failure_streak, 0) >= :p1_failure_streak THEN 1
      WHEN coalesce(h.failure_streak, 0) >= 1 THEN 2
      WHEN h.finished_7d >= :min_finished_runs AND h.failed_7d >= :min_failed_runs
           AND h.succeeded_7d < :p2_success_rate * h.finished_7d THEN 2
      WHEN h.finished_7d >= :min_finished_runs AND h.failed_7d >= :min_failed_runs
           AND h.succeeded_7d < :p3_success_rate * h.finished_7d THEN 3
      ELSE 4
    END AS priority_rank,
    s.list_cost,
    d.p95_seconds,
    r.last_run_start
  FROM job_matches m
  LEFT JOIN job_health h ON h.workspace_id = m.workspace_id AND h.job_id = m.job_id
  LEFT JOIN job_spend s ON s.workspace_id = m.workspace_id AND s.job_id = m.job_id
  LEFT JOIN job_durations d ON d.workspace_id = m.workspace_id AND d.job_id = m.job_id
  LEFT JOIN last_runs r ON r.workspace_id = m.workspace_id AND r.job_id = m.job_id
),
filtered AS (
  SELECT
    ranked.*,
    CASE :order_by
      WHEN 'NAME' THEN lower(coalesce(name, ''))
      WHEN 'ID' THEN concat(workspace_id, ':', lpad(job_id, 20, '0'))
      -- P1 first, the longest streak first, then by name.
      WHEN 'PRIORITY' THEN concat(CAST(priority_rank AS STRING),
                                  lpad(CAST(999999 - least(failure_streak, 999999) AS STRING), 6, '0'),
                                  lower(coalesce(name, '')))
      WHEN 'FAILURE_STREAK' THEN concat(lpad(CAST(999999 - least(failure_streak, 999999) AS STRING), 6, '0'),
                                        lower(coalesce(name, '')))
      -- The lowest 7-day success rate first (in billionths); jobs without a finished run in 7 days last.
      WHEN 'SUCCESS_RATE' THEN concat(
        CASE WHEN finished_7d > 0
             THEN concat('0', lpad(CAST(CAST(floor(succeeded_7d * 1000000000 / finished_7d) AS BIGINT) AS STRING),
                                   10, '0'))
             ELSE '1' END,
        lower(coalesce(name, '')))
      -- The highest spend first: a trillion dollars minus the spend, in millionths, fixed width.
      WHEN 'COST' THEN concat(
        lpad(CAST(CAST((1000000000000 - coalesce(list_cost, 0)) * 1000000 AS DECIMAL(38, 0)) AS STRING), 20, '0'),
        lower(coalesce(name, '')))
      -- The longest p95 first, in milliseconds under a trillion seconds, fixed width; jobs without a finished run last.
      WHEN 'DURATION' THEN concat(
        CASE WHEN p95_seconds IS NULL THEN '1'
             ELSE concat('0', lpad(CAST(CAST(floor((1000000000000 - p95_seconds) * 1000) AS BIGINT) AS STRING), 16,
                                   '0')) END,
        lower(coalesce(name, '')))
      -- The newest last run first; jobs without a run in retention last.
      WHEN 'LAST_RUN' THEN concat(
        CASE WHEN last_run_start IS NULL THEN '1'
             ELSE concat('0', lpad(CAST(9999999999999 - unix_millis(last_run_start) AS STRING), 13, '0')) END,
        lower(coalesce(name, '')))
    END AS sort_key
  FROM ranked
  WHERE :priorities IS NULL
     OR array_contains(:priorities, CASE priority_rank WHEN 1 THEN 'P1' WHEN 2 THEN 'P2' WHEN 3 THEN 'P3'
                                                       ELSE 'HEALTHY' END)
),
-- @include _job_page
