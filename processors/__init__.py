"""Cadabra."""
