-- Spend of given job runs (usage_metadata.job_run_id; task runs by job_run_id), in the rows of _subject_costs.
WITH
-- @include _priced_usage
,
-- @include _task_activity
,
-- @include _billed_through
,
subject_usage AS (SELECT *, usage_metadata.job_run_id AS subject_id FROM priced_usage),
subject_activity AS (SELECT *, job_run_id AS subject_id FROM task_activity)
-- @include _subject_costs
