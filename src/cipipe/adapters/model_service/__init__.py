"""The model service (``cipipe model serve``) as decide-strategy's client sees it."""
