-- Shared CTEs: each usage row of `priced_usage` that belongs to a run of `run_attempts` (_run_rollup), given to the
-- attempt (the original execution, then each repair) that spent it (`attributed`). Usage on a cluster that only one
-- attempt of the run used is that attempt's (a job cluster is started afresh for each attempt). Other usage
-- (serverless, a cluster the attempts shared) goes to the attempt running in its hour; when the previous attempt also
-- ran in that hour the row is marked `shared`, as nothing in the usage record says which of the two it was.
asked_attempts AS (
  SELECT
    workspace_id, run_id, attempt,
    date_trunc('HOUR', start_time) AS from_hour,
    lead(date_trunc('HOUR', start_time)) OVER (PARTITION BY workspace_id, run_id ORDER BY attempt) AS next_from_hour,
    lag(end_time) OVER (PARTITION BY workspace_id, run_id ORDER BY attempt) AS previous_end
  FROM run_attempts
),
attempt_clusters AS (
  SELECT workspace_id, run_id, cluster_id, max(attempt) AS attempt
  FROM (
    SELECT DISTINCT workspace_id, run_id, attempt, explode(compute_ids) AS cluster_id
    FROM attempt_slices
  )
  GROUP BY workspace_id, run_id, cluster_id
  HAVING count(DISTINCT attempt) = 1
),
attributed AS (
  SELECT
    u.workspace_id, u.usage_metadata.job_run_id AS run_id,
    coalesce(c.attempt, a.attempt) AS attempt,
    c.attempt IS NULL AND coalesce(a.previous_end > u.usage_start_time, FALSE) AS shared,
    u.usage_date, u.sku_name, u.usage_unit, u.currency_code, u.unit_price, u.usage_quantity
  FROM priced_usage u
  LEFT JOIN attempt_clusters c
    ON c.workspace_id = u.workspace_id
   AND c.run_id = u.usage_metadata.job_run_id
   AND c.cluster_id = u.usage_metadata.cluster_id
  -- Hours partition the run's time among its attempts: each usage row meets exactly one attempt here.
  LEFT JOIN asked_attempts a
    ON a.workspace_id = u.workspace_id
   AND a.run_id = u.usage_metadata.job_run_id
   AND (a.attempt = 1 OR u.usage_start_time >= a.from_hour)
   AND (a.next_from_hour IS NULL OR u.usage_start_time < a.next_from_hour)
)
