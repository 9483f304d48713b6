-- Job runs, newest first, from the run timeline: one page across all jobs, or the first N runs of each of several
-- jobs, or the runs with given ids.
WITH
-- @include _run_page
SELECT *
FROM run_page
ORDER BY start_time DESC, run_key DESC
