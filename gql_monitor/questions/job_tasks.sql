-- The current tasks of given jobs: latest SCD2 version per task, deleted tasks left out.
SELECT workspace_id, job_id, task_key, depends_on_keys, timeout_seconds
FROM system.lakeflow.job_tasks
WHERE array_contains(:job_keys, concat(workspace_id, ':', job_id))
  AND (:all_jobs OR concat(workspace_id, ':', job_id) IN (SELECT explode(:visible_jobs)))
QUALIFY row_number() OVER (PARTITION BY workspace_id, job_id, task_key ORDER BY change_time DESC) = 1
    AND delete_time IS NULL
ORDER BY workspace_id, job_id, task_key
