-- Shared CTEs: the task runs of the jobs or runs asked about (:job_keys / :run_keys, NULL: all) with a timeline
-- slice that started in [:usage_start, :usage_end): when each ended, whether it has ended, and whether it used
-- all-purpose compute (a cluster whose cluster_source is UI or API). Usage on all-purpose clusters carries no job
-- id, so such task runs' spend is in the account's unattributed remainder, never in a job's or run's cost.
task_slices AS (
  SELECT workspace_id, job_id, job_run_id, run_id AS task_run_id, period_end_time, result_state, compute_ids
  FROM system.lakeflow.job_task_run_timeline
  WHERE period_start_time >= :usage_start
    AND period_start_time < :usage_end
    AND (:job_keys IS NULL OR array_contains(:job_keys, concat(workspace_id, ':', job_id)))
    AND (:run_keys IS NULL OR array_contains(:run_keys, concat(workspace_id, ':', job_run_id)))
    AND (:all_jobs OR concat(workspace_id, ':', job_id) IN (SELECT explode(:visible_jobs)))
),
all_purpose_task_runs AS (
  SELECT DISTINCT s.workspace_id, s.task_run_id
  FROM (SELECT DISTINCT workspace_id, task_run_id, explode(compute_ids) AS compute_id FROM task_slices) s
  JOIN system.compute.clusters c ON c.workspace_id = s.workspace_id AND c.cluster_id = s.compute_id
  WHERE c.cluster_source IN ('UI', 'API')
),
task_activity AS (
  SELECT
    t.workspace_id, t.job_id, t.job_run_id, t.task_run_id,
    max(t.period_end_time) AS last_end,
    max(CASE WHEN t.result_state IS NULL THEN 0 ELSE 1 END) AS ended,
    max(CASE WHEN a.task_run_id IS NULL THEN 0 ELSE 1 END) AS all_purpose
  FROM task_slices t
  LEFT JOIN all_purpose_task_runs a ON a.workspace_id = t.workspace_id AND a.task_run_id = t.task_run_id
  GROUP BY t.workspace_id, t.job_id, t.job_run_id, t.task_run_id
)
