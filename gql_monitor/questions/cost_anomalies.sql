-- Run cost anomalies: finished runs that started in [:judged_start, :window_end) costing more than :factor times the
-- p90 of their job's other finished runs that started in [:window_start, :window_end) (the baseline), judged when
-- the job has at least :min_runs such other runs. A run's cost is Run.cost: usage carrying its job_run_id. Only
-- runs that billing has caught up with (end <= billed_through) are judged or counted, so a run still being billed
-- is neither a cheap baseline run nor a false alarm. The ranking runs on DOUBLE approximations; the statement
-- returns the quantities of each anomaly and of the two baseline runs its p90 lies between, and Python recomputes
-- the amounts, the p90 and the verdict in exact decimals.
WITH
-- @include _run_rollup
,
-- @include _priced_usage
,
-- @include _billed_through
,
-- @include _run_usage
, run_costs AS (
  SELECT
    r.workspace_id, r.job_id, r.run_id, r.start_time,
    -- For ordering and the first cut only; never reported.
    coalesce(sum(CAST(u.quantity AS DOUBLE) * CAST(u.unit_price AS DOUBLE)), 0) AS approx_cost
  FROM runs r
  CROSS JOIN billed b
  LEFT JOIN run_usage u ON u.workspace_id = r.workspace_id AND u.run_id = r.run_id
  WHERE r.end_time IS NOT NULL
    AND r.end_time <= b.billed_through
    AND (:job_keys IS NULL OR array_contains(:job_keys, concat(r.workspace_id, ':', r.job_id)))
  GROUP BY r.workspace_id, r.job_id, r.run_id, r.start_time
),
ranked AS (
  SELECT
    *,
    row_number() OVER (PARTITION BY workspace_id, job_id ORDER BY approx_cost, run_id) - 1 AS cost_rank,
    count(*) OVER (PARTITION BY workspace_id, job_id) - 1 AS others
  FROM run_costs
),
-- percentile_cont(0.9) of the m other runs sits at position 0.9 × (m − 1) of their ascending order: between
-- positions lo and lo + 1, `tenths` tenths of the way. Skipping the run itself shifts positions at or after its own
-- rank by one.
positions AS (
  SELECT
    workspace_id, job_id, run_id, start_time, approx_cost, cost_rank, others,
    (9 * (others - 1)) DIV 10 AS lo_position,
    least((9 * (others - 1)) DIV 10 + 1, others - 1) AS hi_position,
    (9 * (others - 1)) % 10 AS tenths
  FROM ranked
  WHERE start_time >= :judged_start AND others >= :min_runs
),
judged AS (
  SELECT
    p.workspace_id, p.job_id, p.run_id, p.start_time, p.approx_cost, p.others, p.tenths,
    lo.run_id AS lo_run_id, hi.run_id AS hi_run_id,
    lo.approx_cost + (hi.approx_cost - lo.approx_cost) * p.tenths / 10 AS approx_p90
  FROM positions p
  JOIN ranked lo
    ON lo.workspace_id = p.workspace_id AND lo.job_id = p.job_id
   AND lo.cost_rank = p.lo_position + CASE WHEN p.lo_position >= p.cost_rank THEN 1 ELSE 0 END
  JOIN ranked hi
    ON hi.workspace_id = p.workspace_id AND hi.job_id = p.job_id
   AND hi.cost_rank = p.hi_position + CASE WHEN p.hi_position >= p.cost_rank THEN 1 ELSE 0 END
),
anomalies AS (
  SELECT *
  FROM judged
  -- A hair below the factor so that no rounding of the approximations drops a true anomaly; the exact verdict is
  -- Python's.
  WHERE approx_p90 > 0 AND approx_cost > :factor * approx_p90 * 0.999999
),
involved AS (
  SELECT workspace_id, run_id FROM anomalies
  UNION SELECT workspace_id, lo_run_id FROM anomalies
  UNION SELECT workspace_id, hi_run_id FROM anomalies
)
SELECT
  'anomaly' AS row_kind, workspace_id, job_id, run_id, start_time, lo_run_id, hi_run_id, tenths, others,
  CAST(NULL AS DATE) AS usage_date, CAST(NULL AS STRING) AS sku_name, CAST(NULL AS STRING) AS usage_unit,
  CAST(NULL AS STRING) AS currency_code, CAST(NULL AS DECIMAL(38, 18)) AS unit_price,
  CAST(NULL AS DECIMAL(38, 18)) AS quantity, CAST(NULL AS TIMESTAMP) AS billed_through
FROM anomalies
UNION ALL
SELECT
  'usage', u.workspace_id, u.job_id, u.run_id, NULL, NULL, NULL, NULL, NULL,
  u.usage_date, u.sku_name, u.usage_unit, u.currency_code, u.unit_price, u.quantity, NULL
FROM run_usage u
JOIN involved i ON i.workspace_id = u.workspace_id AND i.run_id = u.run_id
UNION ALL
SELECT 'billing', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, billed_through
FROM billed
