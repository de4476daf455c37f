"""API v0.0.45 (Slurm 26.05): each module states how it differs from v0.0.46."""
