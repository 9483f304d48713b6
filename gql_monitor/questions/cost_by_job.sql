-- Spend of given jobs in a window (usage_metadata.job_id; task runs by job_id), in the rows of _subject_costs: one
-- round trip says what a job cost, and whether that figure is whole.
WITH
-- @include _priced_usage
,
-- @include _task_activity
,
-- @include _billed_through
,
subject_usage AS (SELECT *, usage_metadata.job_id AS subject_id FROM priced_usage),
subject_activity AS (SELECT *, job_id AS subject_id FROM task_activity)
-- @include _subject_costs
