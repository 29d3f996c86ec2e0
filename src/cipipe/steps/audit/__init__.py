"""The audit log beyond the database: anchors in the artifact store, and their verification."""
