-- Daily spend spikes of the account (subject '') and of each job: a UTC day of the window that billing has fully
-- caught up with, whose spend is more than :factor times the median of its baseline and at least :min_amount above
-- it. The baseline is the subject's days with spend among the :baseline_days days before it; at least half of them
-- must have spend. Judged on DOUBLE approximations; the statement returns the quantities of each spike day and of
-- the one or two baseline days its median is made of, and Python recomputes the amounts and the verdict exactly.
WITH
-- @include _priced_usage
,
-- @include _billed_through
, subject_usage AS (
  SELECT '' AS subject, usage_date, sku_name, usage_unit, currency_code, unit_price, usage_quantity
  FROM priced_usage
  UNION ALL
  SELECT concat(workspace_id, ':', usage_metadata.job_id), usage_date, sku_name, usage_unit, currency_code,
         unit_price, usage_quantity
  FROM priced_usage
  WHERE usage_metadata.job_id IS NOT NULL
),
day_prices AS (
  SELECT subject, usage_date, sku_name, usage_unit, currency_code, unit_price, sum(usage_quantity) AS quantity
  FROM subject_usage
  GROUP BY subject, usage_date, sku_name, usage_unit, currency_code, unit_price
),
days AS (
  -- For ranking and the first cut only; never reported.
  SELECT subject, usage_date, sum(CAST(quantity AS DOUBLE) * CAST(unit_price AS DOUBLE)) AS approx
  FROM day_prices
  GROUP BY subject, usage_date
),
judged AS (
  SELECT d.*
  FROM days d
  CROSS JOIN billed b
  WHERE d.usage_date >= CAST(:judged_start AS DATE)
    AND CAST(date_add(d.usage_date, 1) AS TIMESTAMP) <= least(b.billed_through, :usage_end)
),
baseline AS (
  SELECT
    j.subject, j.usage_date, j.approx, b.usage_date AS baseline_date, b.approx AS baseline_approx,
    row_number() OVER (PARTITION BY j.subject, j.usage_date ORDER BY b.approx, b.usage_date) AS position,
    count(*) OVER (PARTITION BY j.subject, j.usage_date) AS baseline_days
  FROM judged j
  JOIN days b
    ON b.subject = j.subject
   AND b.usage_date >= date_sub(j.usage_date, :baseline_days)
   AND b.usage_date < j.usage_date
   AND b.approx > 0
),
medians AS (
  -- The median of n days: the day at position (n + 1) DIV 2 and the day at n DIV 2 + 1 (the same day when n is odd).
  SELECT
    subject, usage_date, approx, baseline_days,
    max(CASE WHEN position = (baseline_days + 1) DIV 2 THEN baseline_date END) AS low_date,
    max(CASE WHEN position = baseline_days DIV 2 + 1 THEN baseline_date END) AS high_date,
    (max(CASE WHEN position = (baseline_days + 1) DIV 2 THEN baseline_approx END)
     + max(CASE WHEN position = baseline_days DIV 2 + 1 THEN baseline_approx END)) / 2 AS approx_median
  FROM baseline
  GROUP BY subject, usage_date, approx, baseline_days
),
spikes AS (
  SELECT *
  FROM medians
  -- A hair below the thresholds so that no rounding of the approximations drops a true spike; Python decides.
  WHERE 2 * baseline_days >= :baseline_days
    AND approx > :factor * approx_median * 0.999999
    AND approx - approx_median >= :min_amount - 0.000001
),
involved AS (
  SELECT subject, usage_date FROM spikes
  UNION SELECT subject, low_date FROM spikes
  UNION SELECT subject, high_date FROM spikes
)
SELECT
  'spike' AS row_kind, subject, usage_date, low_date, high_date, baseline_days,
  CAST(NULL AS STRING) AS sku_name, CAST(NULL AS STRING) AS usage_unit, CAST(NULL AS STRING) AS currency_code,
  CAST(NULL AS DECIMAL(38, 18)) AS unit_price, CAST(NULL AS DECIMAL(38, 18)) AS quantity,
  CAST(NULL AS TIMESTAMP) AS billed_through
FROM spikes
UNION ALL
SELECT 'usage', p.subject, p.usage_date, NULL, NULL, NULL, p.sku_name, p.usage_unit, p.currency_code, p.unit_price,
       p.quantity, NULL
FROM day_prices p
JOIN involved i ON i.subject = p.subject AND i.usage_date = p.usage_date
UNION ALL
SELECT 'billing', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, billed_through
FROM billed
