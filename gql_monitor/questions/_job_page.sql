-- Shared tail of a jobs page: `filtered` (the including file's jobs with their `sort_key`) cut at the keyset cursor
-- (:after_sort, :after_key) to :limit rows in (sort_key, job_key) order. total_count counts every job that passes the
-- filters, before the cursor.
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
