"""Per-version API modules: each declares how its records look, as data.

`v0_0_38` and `dbv0_0_38` are the Slurm 22.05 shapes, `v0_0_46` the newest;
versions in between are described as differences from their neighbours.
"""
