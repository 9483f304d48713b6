-- Shared CTEs: one page of job runs (`run_page`), filtered (_run_filter.sql) and cut at the keyset cursor: across all
-- jobs, or the first :limit runs of each job (:per_job).
-- @include _run_rollup
,
-- @include _run_filter
,
counted AS (
  SELECT
    filtered.*,
    count(*) OVER (PARTITION BY CASE WHEN :per_job THEN job_key END) AS total_count
  FROM filtered
),
after_cursor AS (
  SELECT *
  FROM counted
  WHERE :after_start IS NULL
     OR start_time < :after_start
     OR (start_time = :after_start AND run_key < :after_key)
)
, run_page AS (
  SELECT *
  FROM after_cursor
  QUALIFY row_number() OVER (
    PARTITION BY CASE WHEN :per_job THEN job_key END
    ORDER BY start_time DESC, run_key DESC
  ) <= :limit
)
