"""API v0.0.44 (Slurm 25.11): each module states how it differs from v0.0.45."""
