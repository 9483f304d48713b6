-- A page of jobs, in name or id order, with filters; or the jobs with given ids (:job_keys).
-- total_count counts every job that passes the filters, before the page cursor.
WITH
-- @include _job_catalog
, filtered AS (
  SELECT
    job_catalog.*,
    concat(workspace_id, ':', job_id) AS job_key,
    CASE :order_by
      WHEN 'NAME' THEN lower(coalesce(name, ''))
      ELSE concat(workspace_id, ':', lpad(job_id, 20, '0'))
    END AS sort_key
  FROM job_catalog
  WHERE (:job_keys IS NULL OR array_contains(:job_keys, concat(workspace_id, ':', job_id)))
    AND (:include_deleted OR delete_time IS NULL)
    AND (:name_search IS NULL OR instr(lower(coalesce(name, '')), lower(:name_search)) > 0)
    AND (:run_as IS NULL OR run_as = :run_as)
    AND (:creator IS NULL OR creator = :creator)
    AND (:tag1_key IS NULL OR (tags[:tag1_key] IS NOT NULL AND (:tag1_value IS NULL OR tags[:tag1_key] = :tag1_value)))
    AND (:tag2_key IS NULL OR (tags[:tag2_key] IS NOT NULL AND (:tag2_value IS NULL OR tags[:tag2_key] = :tag2_value)))
    AND (:tag3_key IS NULL OR (tags[:tag3_key] IS NOT NULL AND (:tag3_value IS NULL OR tags[:tag3_key] = :tag3_value)))
    AND (:in_jobs_table IS NULL OR in_jobs_table = :in_jobs_table)
),
counted AS (
  SELECT filtered.*, count(*) OVER () AS total_count FROM filtered
)
SELECT *
FROM counted
WHERE :after_sort IS NULL
   OR sort_key > :after_sort
   OR (sort_key = :after_sort AND job_key > :after_key)
QUALIFY row_number() OVER (ORDER BY sort_key, job_key) <= :limit
ORDER BY sort_key, job_key
