-- Shared CTE: the runs of `runs` (_run_rollup.sql) that pass the run filters (`filtered`), keyed `job_key` and
-- `run_key` (`<workspace id>:<id>`). Every filter is a parameter; NULL means "not filtered".
filtered AS (
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
)
