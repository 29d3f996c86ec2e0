"""Artifact stores: Artifactory over REST, the jf CLI, or a local folder laid out the same way."""
