"""The backtest (seed Step 3 E): replay the heuristic over labelled history (``replay.py``),
tune its thresholds (``tune.py``), and the Markdown report and charts (``report.py``,
``charts.py``)."""
