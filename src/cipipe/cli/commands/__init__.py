"""One module per subcommand; each exposes ``command`` and, for steps, ``execute``."""
