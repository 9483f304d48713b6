-- Shared CTEs: job runs assembled from their hourly timeline slices.
-- A run belongs to the window its FIRST slice starts in. Every slice of a run starts at or after the run starts, so
-- the slices from :window_start on hold every slice of every run that started in the window. Runs that also have a
-- slice in the lookback [:lookback_start, :window_start) started before the window and are left out: a running
-- run's slices follow each other without a gap, so any lookback of an hour or more sees every run that crosses the
-- window start while running; only a repair made more than the lookback after its previous attempt ended hides
-- that attempt (see RUN_LOOKBACK in loaders/params.py). Only key columns are read in the lookback.
-- The outcome lives on end rows (result_state set); a repaired run has several end rows under one run_id, and the
-- latest one is the run's current outcome.
runs_begun_earlier AS (
  SELECT DISTINCT workspace_id, job_id, run_id
  FROM system.lakeflow.job_run_timeline
  WHERE period_start_time >= :lookback_start
    AND period_start_time < :window_start
),
run_slices AS (
  SELECT s.*
  FROM system.lakeflow.job_run_timeline s
  LEFT ANTI JOIN runs_begun_earlier e
    ON e.workspace_id = s.workspace_id AND e.job_id = s.job_id AND e.run_id = s.run_id
  WHERE s.period_start_time >= :window_start
),
run_end_rows AS (
  SELECT
    workspace_id, job_id, run_id, period_end_time, result_state, termination_code, termination_type,
    queue_duration_seconds, setup_duration_seconds, execution_duration_seconds, cleanup_duration_seconds,
    run_duration_seconds, compute_ids, job_parameters,
    row_number() OVER (PARTITION BY workspace_id, job_id, run_id ORDER BY period_end_time DESC) AS end_rank,
    count(*) OVER (PARTITION BY workspace_id, job_id, run_id) AS end_rows
  FROM run_slices
  WHERE result_state IS NOT NULL
),
run_spans AS (
  SELECT
    workspace_id, job_id, run_id,
    min(period_start_time) AS start_time,
    max(period_end_time) AS last_seen_time,
    sum(timestampdiff(SECOND, period_start_time, period_end_time)) AS active_seconds,
    max(run_name) AS run_name,
    max(trigger_type) AS trigger_type,
    max(run_type) AS run_type
  FROM run_slices
  GROUP BY workspace_id, job_id, run_id
),
runs AS (
  SELECT
    s.workspace_id, s.job_id, s.run_id, s.run_name, s.trigger_type, s.run_type, s.start_time,
    e.period_end_time AS end_time,
    s.last_seen_time,
    s.active_seconds,
    e.result_state, e.termination_code, e.termination_type,
    e.queue_duration_seconds, e.setup_duration_seconds, e.execution_duration_seconds,
    e.cleanup_duration_seconds, e.run_duration_seconds,
    e.compute_ids, e.job_parameters,
    coalesce(e.end_rows, 0) AS end_rows
  FROM run_spans s
  LEFT JOIN run_end_rows e
    ON e.workspace_id = s.workspace_id AND e.job_id = s.job_id AND e.run_id = s.run_id AND e.end_rank = 1
  WHERE s.start_time < :window_end
)
