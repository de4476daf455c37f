"""API v0.0.42 (Slurm 24.11): each module states how it differs from v0.0.43."""
