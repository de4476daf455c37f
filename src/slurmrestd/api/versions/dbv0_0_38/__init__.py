"""API dbv0.0.38 record shapes."""
