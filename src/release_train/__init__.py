"""release-train: run a monthly release train for multi-package repositories."""

__version__ = "0.1.0"
