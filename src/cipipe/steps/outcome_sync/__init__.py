"""cipipe outcome sync: outcomes read from the systems that know them (issue 19)."""
