-- Orders (distinct invoices), lines and revenue per country and per invoice day.
-- Reads cadabra.orders (the Parquet Firehose converts from the agent's JSON records). Revenue is
-- sum(quantity * unitprice) in GBP, cancellations (negative quantities) included; the day is
-- InvoiceDate (M/D/YYYY H:MM) parsed; Country loses the trailing "\r" of the log line.
SELECT
  rtrim(country, E' \r\n') AS country,
  CAST(try_strptime(invoicedate, '%m/%d/%Y %H:%M') AS DATE) AS day,
  count(DISTINCT invoiceno) AS orders,
  count(*) AS lines,
  round(sum(quantity * unitprice), 2) AS revenue
FROM cadabra.orders
GROUP BY 1, 2
ORDER BY day, country
