-- The jobs an SLA may apply to: those carrying the :sla_tag tag (its raw value: the caller parses it and says why a
-- value is refused), or, when a default SLA is set (:with_default), every job not deleted.
WITH
-- @include _job_catalog
SELECT workspace_id, job_id, tags[:sla_tag] AS sla_tag_value
FROM job_catalog
WHERE delete_time IS NULL
  AND (:with_default OR tags[:sla_tag] IS NOT NULL)
ORDER BY workspace_id, job_id
