"""Shared fakes and helpers of the test suite (imported by tests; never collected)."""
