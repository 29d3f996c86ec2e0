"""The shadow-mode report: the pure tally and readiness rules (``report.py``) and the decisions
and outcomes it reads from the history store (``from_store.py``); ``cipipe shadow report`` and
the dashboard both build it through ``from_store.shadow_report``."""
