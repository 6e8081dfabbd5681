-- Lines Firehose PurchaseLogs delivered per UTC hour (its YYYY/MM/dd/HH prefix), and their revenue.
-- Reads cadabra.purchase_logs; a quick check that delivery is flowing.
SELECT year, month, day, hour, count(*) AS lines, round(sum(quantity * unitprice), 2) AS revenue
FROM cadabra.purchase_logs
GROUP BY ALL
ORDER BY year, month, day, hour
