-- The products ordered in the largest quantities (net of cancellations), top 10 by default.
-- Reads cadabra.orders. Ties are broken by stock code; the description shown is the product's
-- (some lines have none).
-- param limit = 10
SELECT
  stockcode,
  max(nullif(description, '')) AS description,
  sum(quantity) AS quantity,
  count(DISTINCT invoiceno) AS orders
FROM cadabra.orders
GROUP BY stockcode
ORDER BY quantity DESC, stockcode
LIMIT CAST($limit AS INTEGER)
