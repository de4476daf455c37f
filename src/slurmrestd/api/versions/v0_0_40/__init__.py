"""API v0.0.40 (Slurm 23.11): each module states how it differs from v0.0.41."""
