"""API v0.0.41 (Slurm 24.05): each module states how it differs from v0.0.42."""
