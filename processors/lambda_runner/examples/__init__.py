"""Lambda functions of the Cadabra course, runnable with `cadabra lambda run`."""
