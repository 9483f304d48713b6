-- Shared CTEs: job runs assembled from their hourly timeline slices, attempt by attempt (`run_attempts`, `runs`).
-- A run belongs to the window its FIRST slice starts in. Every slice of a run starts at or after the run starts, so
-- the slices from :window_start on hold every slice of every run that started in the window. Runs that also have a
-- slice in the lookback [:lookback_start, :window_start) started before the window and are left out: a running
-- run's slices follow each other without a gap, so any lookback of an hour or more sees every run that crosses the
-- window start while running; only a repair made more than the lookback after its previous attempt ended hides
-- that attempt (see RUN_LOOKBACK in loaders/params.py). Only key columns are read in the lookback.
-- Each attempt (the original execution, then each repair, under the same run_id) ends in one end row (result_state
-- set); the latest attempt gives the run's outcome, and slices after the latest end row are a repair still running.
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
    -- Runs asked for by id, and runs of the jobs asked about (NULL: all), are narrowed here, before any window
    -- function sees the other runs: a page of one job's runs sorts that job's slices, not every job's in the window.
    AND (:run_keys IS NULL OR array_contains(:run_keys, concat(s.workspace_id, ':', s.run_id)))
    AND (:job_keys IS NULL OR array_contains(:job_keys, concat(s.workspace_id, ':', s.job_id)))
    -- The caller's job scope (visibility/scope.py).
    AND (:all_jobs OR concat(s.workspace_id, ':', s.job_id) IN (SELECT explode(:visible_jobs)))
),
attempt_slices AS (
  SELECT
    s.*,
    -- The attempt a slice belongs to: one more than the end rows before it.
    1 + count(s.result_state) OVER (
      PARTITION BY s.workspace_id, s.job_id, s.run_id
      ORDER BY s.period_start_time, s.period_end_time
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS attempt
  FROM run_slices s
),
attempt_spans AS (
  SELECT
    workspace_id, job_id, run_id, attempt,
    min(period_start_time) AS start_time,
    max(period_end_time) AS last_seen_time,
    sum(timestampdiff(SECOND, period_start_time, period_end_time)) AS active_seconds,
    max(run_name) AS run_name,
    max(trigger_type) AS trigger_type,
    max(run_type) AS run_type
  FROM attempt_slices
  GROUP BY workspace_id, job_id, run_id, attempt
),
run_attempts AS (
  SELECT
    s.workspace_id, s.job_id, s.run_id, s.attempt, s.start_time, s.last_seen_time, s.active_seconds,
    s.run_name, s.trigger_type, s.run_type,
    e.period_end_time AS end_time,
    e.result_state, e.termination_code, e.termination_type,
    e.queue_duration_seconds, e.setup_duration_seconds, e.execution_duration_seconds,
    e.cleanup_duration_seconds, e.run_duration_seconds,
    -- The attempt's own duration: as recorded on its end row, else the sum of its slices (so far, while running).
    coalesce(e.run_duration_seconds, s.active_seconds) AS duration_seconds,
    e.compute_ids, e.job_parameters
  FROM attempt_spans s
  LEFT JOIN attempt_slices e
    ON e.workspace_id = s.workspace_id AND e.job_id = s.job_id AND e.run_id = s.run_id AND e.attempt = s.attempt
   AND e.result_state IS NOT NULL
),
run_totals AS (
  SELECT
    workspace_id, job_id, run_id,
    min(start_time) AS start_time,
    max(last_seen_time) AS last_seen_time,
    sum(active_seconds) AS active_seconds,
    sum(duration_seconds) AS duration_seconds,
    max(attempt) AS attempt_count,
    max(run_name) AS run_name,
    max(trigger_type) AS trigger_type,
    max(run_type) AS run_type,
    -- In no particular order: readers sort by number.
    collect_list(named_struct(
      'number', attempt, 'start_time', start_time, 'end_time', end_time, 'duration_seconds', duration_seconds,
      'result_state', result_state, 'termination_code', termination_code, 'termination_type', termination_type
    )) AS attempts
  FROM run_attempts
  GROUP BY workspace_id, job_id, run_id
),
runs AS (
  SELECT
    t.workspace_id, t.job_id, t.run_id, t.run_name, t.trigger_type, t.run_type, t.start_time,
    -- The run ends, with the outcome of its latest attempt, when that attempt has its end row.
    a.end_time,
    t.last_seen_time,
    t.active_seconds,
    t.duration_seconds,
    timestampdiff(SECOND, t.start_time, a.end_time) AS wall_seconds,
    a.result_state, a.termination_code, a.termination_type,
    a.queue_duration_seconds, a.setup_duration_seconds, a.execution_duration_seconds,
    a.cleanup_duration_seconds, a.run_duration_seconds,
    a.compute_ids, a.job_parameters,
    t.attempt_count,
    t.attempts
  FROM run_totals t
  JOIN run_attempts a
    ON a.workspace_id = t.workspace_id AND a.job_id = t.job_id AND a.run_id = t.run_id AND a.attempt = t.attempt_count
  WHERE t.start_time < :window_end
)
