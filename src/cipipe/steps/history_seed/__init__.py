"""A labelled synthetic history for the demo (``cipipe history seed --synthetic``).

Builds of three services on three platforms over a few months, each with its risk inputs, a
shadow-mode decision made by the real decision path (``cipipe.risk.decide``) and appended to
the decisions log, and its outcomes appended to the outcomes log: what the dashboard,
``shadow report``, ``backtest --from-db`` and ``policy diff`` need to show real-looking figures
on a fresh machine. The data rules are in ``rules.py``; the writing is in ``seed.py``. Every
build is recorded with ``source="synthetic"``, so every reader can tell it from a real one.
"""
