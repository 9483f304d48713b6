-- A page of runs (the rows runs.sql returns for the same parameters, in its order), each run carrying what the page's
-- look-ahead asks about it, so that a page and the two questions about its runs take one statement, not three. With
-- :with_costs: the run's usage by day and SKU (`page_usage`), what its task runs say about its spend
-- (`page_activity`) and how far billing has caught up (`page_billed_through`, account-wide). With :with_tasks: its
-- task runs (`page_task_runs`). A part not asked for is cut by a constant false filter, so it reads nothing. Usage is
-- read from :usage_start (the window start's hour: no run of the page started earlier) to :usage_end.
WITH
-- @include _run_page
,
-- @include _priced_usage
,
-- @include _task_activity
,
-- @include _billed_through
,
usage_by_run AS (
  SELECT
    p.run_key, u.usage_date, u.sku_name, u.usage_unit, u.currency_code, u.unit_price,
    sum(u.usage_quantity) AS quantity
  FROM priced_usage u
  JOIN run_page p ON p.workspace_id = u.workspace_id AND p.run_id = u.usage_metadata.job_run_id
  WHERE :with_costs
  GROUP BY p.run_key, u.usage_date, u.sku_name, u.usage_unit, u.currency_code, u.unit_price
),
page_usage AS (
  SELECT run_key, collect_list(named_struct(
    'usage_date', usage_date, 'sku_name', sku_name, 'usage_unit', usage_unit, 'currency_code', currency_code,
    'unit_price', unit_price, 'quantity', quantity
  )) AS usage
  FROM usage_by_run
  GROUP BY run_key
),
page_activity AS (
  SELECT p.run_key, named_struct(
    'task_runs', count(*), 'all_purpose_task_runs', sum(a.all_purpose), 'open_task_runs', sum(1 - a.ended),
    'last_end', max(a.last_end)
  ) AS activity
  FROM task_activity a
  JOIN run_page p ON p.workspace_id = a.workspace_id AND p.run_id = a.job_run_id
  WHERE :with_costs
  GROUP BY p.run_key
),
task_run_slices AS (
  SELECT t.*
  FROM system.lakeflow.job_task_run_timeline t
  LEFT SEMI JOIN run_page p ON p.workspace_id = t.workspace_id AND p.run_id = t.job_run_id
  WHERE t.period_start_time >= :window_start
    AND :with_tasks
),
-- @include _task_rollup
,
page_tasks AS (
  SELECT concat(workspace_id, ':', job_run_id) AS run_key, collect_list(named_struct(
    'workspace_id', workspace_id, 'job_id', job_id, 'job_run_id', job_run_id, 'run_id', run_id, 'task_key', task_key,
    'start_time', start_time, 'active_seconds', active_seconds, 'compute_ids', compute_ids, 'end_time', end_time,
    'result_state', result_state, 'termination_code', termination_code, 'termination_type', termination_type,
    'setup_duration_seconds', setup_duration_seconds, 'execution_duration_seconds', execution_duration_seconds,
    'cleanup_duration_seconds', cleanup_duration_seconds
  )) AS task_runs
  FROM task_run_rows
  GROUP BY workspace_id, job_run_id
)
SELECT
  p.*,
  u.usage AS page_usage,
  a.activity AS page_activity,
  t.task_runs AS page_task_runs,
  (SELECT billed_through FROM billed WHERE :with_costs) AS page_billed_through
FROM run_page p
LEFT JOIN page_usage u ON u.run_key = p.run_key
LEFT JOIN page_activity a ON a.run_key = p.run_key
LEFT JOIN page_tasks t ON t.run_key = p.run_key
ORDER BY p.start_time DESC, p.run_key DESC
