"""Output formats other tools read (SARIF for code scanning, and later JUnit XML)."""
