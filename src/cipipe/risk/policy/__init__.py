"""The policy bundle (seed Step 3 E, F): the models of its three YAML files (``models.py``,
``thresholds.py``), loading and hashing a folder (``bundle.py``), the seed's defaults shipped
with cipipe (``builtin.py``), fetching from a policy server (``fetch.py``, one bounded answer in
``http.py``, version pins in ``pin.py``), serving a folder (``service.py``), and what a change
of bundle would have changed over labelled history (``diff.py``; its --fail-if language in
``diff_gate.py``, its Markdown in ``diff_report.py``)."""
