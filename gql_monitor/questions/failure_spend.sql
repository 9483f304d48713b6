-- Spend on failure, per job, over the runs that started in [:window_start, :window_end), each run's whole cost as
-- Run.cost reads it: runs whose outcome is a failure (FAILED, ERROR, TIMED_OUT), retry runs (trigger ONETIME_RETRY:
-- a new run the job's retry policy started after a failed one), and repair attempts (attempt 2 on of a run, split
-- among attempts as _attempt_usage.sql says; a `shared` row may be the repair's or the attempt's before it). Each
-- usage row ('usage') carries every flag that applies, so each figure and their union add up without counting a row
-- twice; 'runs' rows count the runs behind each figure per job; one 'billing' row says how far billing has caught up.
WITH
-- @include _run_rollup
,
-- @include _priced_usage
,
-- @include _billed_through
,
-- @include _attempt_usage
, classified AS (
  SELECT
    workspace_id, job_id, run_id, attempt_count,
    coalesce(result_state IN ('FAILED', 'ERROR', 'TIMED_OUT'), FALSE) AS failed_run,
    coalesce(trigger_type = 'ONETIME_RETRY', FALSE) AS retry_run
  FROM runs
),
flagged AS (
  SELECT
    r.workspace_id, r.job_id, r.failed_run, r.retry_run,
    coalesce(u.attempt > 1, FALSE) AS repair, u.shared,
    u.usage_date, u.sku_name, u.usage_unit, u.currency_code, u.unit_price, u.usage_quantity
  FROM attributed u
  JOIN classified r ON r.workspace_id = u.workspace_id AND r.run_id = u.run_id
)
SELECT
  'usage' AS row_kind, workspace_id, job_id, failed_run, retry_run, repair, shared, usage_date, sku_name, usage_unit,
  currency_code, unit_price, sum(usage_quantity) AS quantity,
  CAST(NULL AS BIGINT) AS failed_runs, CAST(NULL AS BIGINT) AS retry_runs, CAST(NULL AS BIGINT) AS repaired_runs,
  CAST(NULL AS TIMESTAMP) AS billed_through
FROM flagged
WHERE failed_run OR retry_run OR repair
GROUP BY workspace_id, job_id, failed_run, retry_run, repair, shared, usage_date, sku_name, usage_unit, currency_code,
         unit_price
UNION ALL
SELECT
  'runs', workspace_id, job_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  count_if(failed_run), count_if(retry_run), count_if(attempt_count > 1), NULL
FROM classified
GROUP BY workspace_id, job_id
HAVING count_if(failed_run OR retry_run OR attempt_count > 1) > 0
UNION ALL
SELECT 'billing', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       billed_through
FROM billed
