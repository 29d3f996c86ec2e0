"""Git: the one source of truth about the commit being built."""
