"""Parsers of the formats other tools write: one small module per format, no I/O of their own."""
