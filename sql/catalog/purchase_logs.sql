-- The raw log lines Firehose PurchaseLogs delivers (the agent's second flow ships each CSV line
-- of /var/log/cadabra/*.log unchanged): csv.writer's Excel dialect, "\r\n" line ends, quotes
-- around fields holding commas, no header. Objects sit under the prefix purchase-logs/ in
-- Firehose's default time layout YYYY/MM/dd/HH/ (GZIP-compressed objects end in .gz).
CREATE EXTERNAL TABLE IF NOT EXISTS cadabra.purchase_logs (
  invoiceno   string,
  stockcode   string,
  description string,
  quantity    int,
  invoicedate string,
  unitprice   double,
  customerid  string,
  country     string
)
PARTITIONED BY (year string, month string, day string, hour string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'
  WITH SERDEPROPERTIES ('separatorChar' = ',', 'quoteChar' = '"')
STORED AS TEXTFILE
LOCATION 's3://cadabra/purchase-logs/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2010,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'projection.hour.type' = 'integer',
  'projection.hour.range' = '0,23',
  'projection.hour.digits' = '2',
  'storage.location.template' = 's3://cadabra/purchase-logs/${year}/${month}/${day}/${hour}/'
);
