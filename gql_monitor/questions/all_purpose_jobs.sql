-- Jobs with task runs on all-purpose compute (clusters whose cluster_source is UI or API) among the task runs with a
-- timeline slice that started in [:usage_start, :usage_end): such usage is billed per cluster with no job id, so
-- none of it can be charged to the job. Per job: its task runs there, how many used all-purpose compute, and when
-- the latest of them ended.
WITH
-- @include _task_activity
SELECT
  workspace_id, job_id, count(*) AS task_runs, sum(all_purpose) AS all_purpose_task_runs,
  max(CASE WHEN all_purpose = 1 THEN last_end END) AS last_all_purpose_end
FROM task_activity
GROUP BY workspace_id, job_id
HAVING sum(all_purpose) > 0
