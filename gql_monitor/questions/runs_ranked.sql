-- A page of runs across jobs in an order other than newest first: the longest (DURATION) or the most expensive
-- (COST) first, then newest first. runs.sql serves the newest-first pages. Every run that passes the filters gets its
-- rank value before the page is cut, so the keyset cursor (:after_rank, :after_start, :after_key) works as in
-- runs.sql; runs without a rank value (no usage billed to them, for COST) come last.
WITH
-- @include _run_rollup
,
-- @include _run_filter
,
-- @include _priced_usage
,
run_spend AS (
  -- List cost of the usage carrying the run's id in [:usage_start, :usage_end), for the COST order only (the guard
  -- spares the DURATION order the usage scan). Rounded to 1e-6 per row by decimal arithmetic: good for an order, never
  -- shown as money (Run.cost is computed exactly).
  SELECT workspace_id, usage_metadata.job_run_id AS run_id, sum(usage_quantity * unit_price) AS list_cost
  FROM priced_usage
  WHERE :order_by = 'COST' AND usage_metadata.job_run_id IS NOT NULL
  GROUP BY workspace_id, usage_metadata.job_run_id
),
ranked AS (
  SELECT
    f.*,
    CAST(CASE :order_by
           WHEN 'DURATION' THEN f.duration_seconds
           WHEN 'COST' THEN s.list_cost
         END AS DECIMAL(38, 6)) AS rank_value
  FROM filtered f
  LEFT JOIN run_spend s ON s.workspace_id = f.workspace_id AND s.run_id = f.run_id
),
counted AS (
  SELECT ranked.*, count(*) OVER () AS total_count FROM ranked
),
after_cursor AS (
  -- After the cursor in (rank_value DESC NULLS LAST, start_time DESC, run_key DESC) order.
  SELECT *
  FROM counted
  WHERE :after_start IS NULL
     OR CASE
          WHEN rank_value IS NOT NULL AND :after_rank IS NOT NULL THEN
            rank_value < CAST(:after_rank AS DECIMAL(38, 6))
            OR (rank_value = CAST(:after_rank AS DECIMAL(38, 6))
                AND (start_time < :after_start OR (start_time = :after_start AND run_key < :after_key)))
          WHEN rank_value IS NOT NULL THEN false
          WHEN :after_rank IS NOT NULL THEN true
          ELSE start_time < :after_start OR (start_time = :after_start AND run_key < :after_key)
        END
)
SELECT *
FROM after_cursor
QUALIFY row_number() OVER (ORDER BY rank_value IS NULL, rank_value DESC, start_time DESC, run_key DESC) <= :limit
ORDER BY rank_value IS NULL, rank_value DESC, start_time DESC, run_key DESC
