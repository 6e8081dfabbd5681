-- Descriptions ordered from France in a month, with their line counts (the course's Athena query).
-- Reads cadabra.purchase_logs, the raw CSV lines Firehose PurchaseLogs delivers. As in the
-- course (WHERE country='France' AND year='2019' AND month='02'), the month is a partition: the
-- UTC month Firehose received the lines in. Without --param, the latest month holding data.
-- param year = NULL
-- param month = NULL
WITH latest AS (
  SELECT CAST(year AS INTEGER) AS year, CAST(month AS INTEGER) AS month
  FROM cadabra.purchase_logs
  ORDER BY 1 DESC, 2 DESC
  LIMIT 1
)
SELECT logs.description, count(*) AS "count"
FROM cadabra.purchase_logs AS logs, latest
WHERE rtrim(logs.country, E' \r\n') = 'France'
  AND CAST(logs.year AS INTEGER) = coalesce(CAST($year AS INTEGER), latest.year)
  AND CAST(logs.month AS INTEGER) = coalesce(CAST($month AS INTEGER), latest.month)
GROUP BY logs.description
ORDER BY "count" DESC, logs.description
