"""Run one flow in this process and print its summary as JSON: `python tests/chaos/driver.py ingest KEY...`.

What an upload event's flow run does, without the events receiver: the chaos tests start several at once.
The task runner comes from `flows.runners` (JUNKAN_TASK_RUNNER, JUNKAN_DASK_ADDRESS).
"""

from __future__ import annotations

import json
import sys

from flows.runtime import prepare_environment
from infra.settings import get_settings


def main(argv: list[str]) -> int:
    """`ingest KEY...`, `nightly` or `backfill FROM TO`."""
    prepare_environment(get_settings())
    from flows import pipeline
    from flows.runners import task_runner

    command, *arguments = argv
    runner = task_runner()
    if command == "ingest":
        summary = pipeline.ingest.with_options(task_runner=runner)(arguments)
    elif command == "nightly":
        summary = pipeline.nightly.with_options(task_runner=runner)()
    elif command == "backfill":
        summary = pipeline.backfill.with_options(task_runner=runner)(*arguments)
    else:
        sys.stderr.write(f"unknown command {command!r}; use ingest KEY..., nightly or backfill FROM TO\n")
        return 2
    sys.stdout.write(json.dumps(summary.as_dict(), default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
