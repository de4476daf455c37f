"""API v0.0.38 record shapes."""
