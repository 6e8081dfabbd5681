-- Orders as Parquet: the agent's CSVTOJSON records (keys InvoiceNo, StockCode, Description,
-- Quantity, InvoiceDate, UnitPrice, Customer, Country; every value a string) converted by a
-- Firehose stream with record format conversion (OpenX JSON SerDe, which lower-cases the keys,
-- -> Parquet) using this table's schema, delivered under the prefix orders/ with Firehose's
-- default time layout YYYY/MM/dd/HH/ (UTC arrival hour). Country keeps the trailing "\r" the
-- agent leaves on each line: queries rtrim it.
CREATE EXTERNAL TABLE IF NOT EXISTS cadabra.orders (
  invoiceno   string COMMENT 'InvoiceNo; a leading C marks a cancellation',
  stockcode   string COMMENT 'StockCode',
  description string COMMENT 'Description',
  quantity    int    COMMENT 'Quantity; negative for cancellations',
  invoicedate string COMMENT 'InvoiceDate as M/D/YYYY H:MM, e.g. 12/1/2010 8:26',
  unitprice   double COMMENT 'UnitPrice in GBP',
  customer    string COMMENT 'CustomerID (the agent names the key Customer); empty if unknown',
  country     string COMMENT 'Country, with the trailing carriage return of the log line'
)
PARTITIONED BY (year string, month string, day string, hour string)
STORED AS PARQUET
LOCATION 's3://cadabra/orders/'
TBLPROPERTIES (
  'parquet.compression' = 'SNAPPY',
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
  'storage.location.template' = 's3://cadabra/orders/${year}/${month}/${day}/${hour}/'
);
