"""The floor: Polars reads the same inbox files (UTF-8 or CP932) and writes them as Parquet, nothing else.

No validation, no transform, no ledger: the least work any pipeline must do with these files.

    python -m benchmarks.floor INBOX OUT --timings timings.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import polars as pl


def read_text_csv(path: Path) -> pl.DataFrame:
    """A CSV as text columns, decoded as UTF-8 or, failing that, CP932."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        data = data.decode("cp932").encode("utf-8")
    return pl.read_csv(data, infer_schema=False)


def run_floor(inbox: Path, out: Path) -> dict[str, float]:
    """Read every `<member>/<dataset>/*.csv` under `inbox` and write one Parquet file per dataset."""
    timings = {"read": 0.0, "write": 0.0}
    out.mkdir(parents=True, exist_ok=True)
    by_dataset: dict[str, list[Path]] = {}
    for path in sorted(inbox.glob("*/*/*.csv")):
        by_dataset.setdefault(path.parent.name, []).append(path)
    for dataset, paths in by_dataset.items():
        start = time.perf_counter()
        frame = pl.concat([read_text_csv(path) for path in paths], how="diagonal")
        timings["read"] += time.perf_counter() - start
        start = time.perf_counter()
        frame.write_parquet(out / f"{dataset}.parquet")
        timings["write"] += time.perf_counter() - start
    return timings


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("inbox", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--timings", type=Path)
    arguments = parser.parse_args()
    timings = run_floor(arguments.inbox, arguments.out)
    if arguments.timings:
        arguments.timings.write_text(json.dumps(timings))


if __name__ == "__main__":
    main()
