"""cipipe build-info (seed 7): what a build is made of and how risky its change is."""
