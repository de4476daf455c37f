"""API v0.0.43 (Slurm 25.05): each module states how it differs from v0.0.44."""
