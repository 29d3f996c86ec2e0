"""cipipe decide-strategy: read the inputs, decide, record, attach, tell (seed Step 3)."""
