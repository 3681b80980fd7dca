"""Where a flow's tasks run: Prefect's thread pool (default) or a Dask cluster (`JUNKAN_TASK_RUNNER=dask`).

On Dask, tasks run in worker processes: they must take and return plain, picklable values and build their
own resources from settings there (see `flows.pipeline.current_resources`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra.settings import Settings, get_settings

if TYPE_CHECKING:
    from prefect.task_runners import TaskRunner


def task_runner(settings: Settings | None = None) -> TaskRunner[Any]:
    """The task runner the settings ask for; Dask without an address starts a local cluster of worker processes."""
    settings = settings or get_settings()
    if settings.task_runner == "dask":
        try:
            from prefect_dask.task_runners import DaskTaskRunner
        except ImportError:
            msg = "JUNKAN_TASK_RUNNER=dask needs the dask extra: install junkan[dask] (uv sync --extra dask)"
            raise RuntimeError(msg) from None

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        # One thread per worker: GX and Polars release the GIL unevenly; processes give real parallelism.
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": settings.dask_workers, "threads_per_worker": 1, "processes": True}
        )
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner()
