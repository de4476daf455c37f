"""Tests against a real Slurm 22.05 cluster the harness in testbed/ brings up."""
