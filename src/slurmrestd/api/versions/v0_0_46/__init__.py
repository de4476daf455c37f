"""API v0.0.46 record shapes."""
