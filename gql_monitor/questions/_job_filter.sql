-- Shared CTE: the jobs of `job_catalog` (_job_catalog.sql) that pass the jobs filters (`job_matches`), keyed
-- `<workspace id>:<job id>`; or the jobs with given ids (:job_keys). Each filter's NULL passes every job.
job_matches AS (
  SELECT job_catalog.*, concat(workspace_id, ':', job_id) AS job_key
  FROM job_catalog
  WHERE (:job_keys IS NULL OR array_contains(:job_keys, concat(workspace_id, ':', job_id)))
    AND (:include_deleted OR delete_time IS NULL)
    AND (:name_search IS NULL OR instr(lower(coalesce(name, '')), lower(:name_search)) > 0)
    AND (:run_as IS NULL OR run_as = :run_as)
    AND (:creator IS NULL OR creator = :creator)
    -- Tag filters, all must match: every key in :tag_keys carries a value, and the i-th key of :tag_value_keys the
    -- i-th value of :tag_values.
    AND (:tag_keys IS NULL OR forall(:tag_keys, tag_key -> tags[tag_key] IS NOT NULL))
    AND (:tag_values IS NULL OR forall(sequence(1, size(:tag_values)),
                                       i -> tags[element_at(:tag_value_keys, i)] = element_at(:tag_values, i)))
    AND (:in_jobs_table IS NULL OR in_jobs_table = :in_jobs_table)
)
