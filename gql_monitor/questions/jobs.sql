-- A page of jobs, in name or id order, with filters; or the jobs with given ids (:job_keys). Orders that need the
-- jobs' health, spend or last run are jobs_ranked.sql.
WITH
-- @include _job_catalog
,
-- @include _job_filter
,
filtered AS (
  SELECT
    job_matches.*,
    CASE :order_by
      WHEN 'NAME' THEN lower(coalesce(name, ''))
      ELSE concat(workspace_id, ':', lpad(job_id, 20, '0'))
    END AS sort_key
  FROM job_matches
),
-- @include _job_page
