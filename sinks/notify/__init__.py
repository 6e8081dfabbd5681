"""SNS delivery: published messages to http/https webhooks, email, email-json and SMS (a log)."""
