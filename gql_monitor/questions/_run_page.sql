-- Shared CTEs: one page of job runs (`run_page`), filtered and cut at the keyset cursor: across all jobs, or the
-- first :limit runs of each job (:per_job). Every filter is a parameter; NULL means "not filtered".
-- @include _run_rollup
, filtered AS (
  SELECT
    runs.*,
    concat(workspace_id, ':', job_id) AS job_key,
    concat(workspace_id, ':', run_id) AS run_key
  FROM runs
  WHERE (:workspace_id IS NULL OR workspace_id = :workspace_id)
    AND (:job_keys IS NULL OR array_contains(:job_keys, concat(workspace_id, ':', job_id)))
    AND (:run_keys IS NULL OR array_contains(:run_keys, concat(workspace_id, ':', run_id)))
    AND (:result_states IS NULL OR array_contains(:result_states, result_state))
    AND (:termination_codes IS NULL OR array_contains(:termination_codes, termination_code))
    AND (:trigger_types IS NULL OR array_contains(:trigger_types, trigger_type))
    AND (:run_types IS NULL OR array_contains(:run_types, run_type))
    AND (:min_duration_seconds IS NULL OR duration_seconds >= :min_duration_seconds)
    AND (:in_progress IS NULL OR (end_time IS NULL) = :in_progress)
),
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
