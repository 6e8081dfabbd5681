"""Firehose delivery to S3: buffering, object keys, compression, format conversion."""
