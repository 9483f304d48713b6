-- Shared CTE: the subjects spend is reported for, each usage row once per subject it belongs to: the account
-- (kind 'total'), usage no job can be charged for ('unattributed'), each job ('job', subject `<workspace>:<job id>`)
-- and, when :tag_key is given, each value of that custom tag ('tag'; subject NULL: usage without the tag, a group of
-- its own). The including file defines slotted_usage: priced usage with its job_id, custom_tags and a `slot` (the
-- day, the period) the figures are summed by.
spend_subjects AS (
  SELECT 'total' AS kind, '' AS subject, slot, sku_name, usage_unit, currency_code, unit_price, usage_quantity
  FROM slotted_usage
  UNION ALL
  SELECT 'unattributed', '', slot, sku_name, usage_unit, currency_code, unit_price, usage_quantity
  FROM slotted_usage
  WHERE job_id IS NULL
  UNION ALL
  SELECT 'job', concat(workspace_id, ':', job_id), slot, sku_name, usage_unit, currency_code, unit_price,
         usage_quantity
  FROM slotted_usage
  WHERE job_id IS NOT NULL
  UNION ALL
  SELECT 'tag', custom_tags[:tag_key], slot, sku_name, usage_unit, currency_code, unit_price, usage_quantity
  FROM slotted_usage
  WHERE :tag_key IS NOT NULL
)
