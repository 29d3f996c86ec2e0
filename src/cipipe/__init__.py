"""cipipe: turn a pushed commit into validated candidate artifacts and a rollout decision."""

__version__ = "0.1.0"
