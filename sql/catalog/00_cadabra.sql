-- The Glue database of the Cadabra course's warehousing pipeline (Firehose -> S3 -> Athena).
CREATE DATABASE IF NOT EXISTS cadabra
  COMMENT 'Cadabra orders delivered to S3 by Firehose';
