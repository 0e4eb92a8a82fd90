"""Where the scheduler's batches are translated: in this process (`LocalRunner`), or
on a pool of Ray actors (`align.mt.runners.ray.RayRunner`, the `[ray]` extra)."""
from .base import BatchRunner, LocalRunner, RunnerStopped

__all__ = ["BatchRunner", "LocalRunner", "RunnerStopped"]
