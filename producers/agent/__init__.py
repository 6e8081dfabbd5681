"""The Kinesis Agent: tails log files and ships their records to Kinesis or Firehose."""
