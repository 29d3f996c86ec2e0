"""Pydantic models of every file cipipe reads or writes: the single source of the JSON Schemas."""
