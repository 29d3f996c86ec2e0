"""`cipipe scan`: components matched offline against OSV advisories and other scanners' reports."""
