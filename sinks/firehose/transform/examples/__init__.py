"""Transformation functions shipped with Cadabra (registered by name, see `functions.py`)."""
