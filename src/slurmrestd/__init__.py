"""slurmrestd-py: a drop-in implementation of Slurm's REST daemon."""

__version__ = "0.1.0"


def version_text() -> str:
    """What -V prints and the served OpenAPI document's info.version."""
    return f"slurmrestd-py {__version__}"
