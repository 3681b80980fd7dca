"""The benchmark harness (issue 5): junkan, the Polars floor and a plain pandas pipeline, side by side.

    python -m benchmarks.run --size small|medium|full [--runs N] [--workloads w1,w2,w3,w4,w5,help]

W4 (a burst of 500 uploads through MinIO, `junkan events` and `junkan serve`) starts its own MinIO and Prefect
server for each run (benchmarks/burst.py), so every run starts from fresh state; only W4:
`python -m benchmarks.run --size full --workloads w4 --runs 1`.

Each workload runs `--runs` times in fresh state; the results file holds every run and the Markdown
table the medians. Child processes get a private bytecode cache (PYTHONPYCACHEPREFIX), warmed once
before timing, because this environment sets PYTHONDONTWRITEBYTECODE and the venv ships no .pyc:
without it every `junkan` start recompiles Prefect, GX and pyiceberg (the cold start is recorded apart).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from benchmarks import burst, generate
from benchmarks.compare import compare_indicators
from benchmarks.interactive import interactive_workload
from benchmarks.measure import Measured, machine, run_measured
from benchmarks.report import render_markdown
from infra.devservers.prefect import LocalPrefectServer

PYTHON = sys.executable
JUNKAN = str(Path(sys.executable).parent / "junkan")
RESULTS = Path(__file__).parent / "results"
STAGES = ("read", "validate", "write", "publish")


@dataclass(frozen=True)
class Size:
    """How big each workload is, and how many runs to take the median of."""

    members: int
    rows_per_member: int
    large_rows: int
    runs: int
    workloads: str = "help,w1,w2,w3,w4,w5"


# small is the smoke test of `make test` (under a minute with a warm bytecode cache): W1 only, one run.
# W4 is the same burst (500 uploads over 30 s) in medium and full: the target is about a burst, not a size.
SIZES = {
    "small": Size(members=12, rows_per_member=100, large_rows=20_000, runs=1, workloads="help,w1"),
    "medium": Size(members=300, rows_per_member=2_000, large_rows=500_000, runs=3),
    "full": Size(members=3_000, rows_per_member=2_000, large_rows=5_000_000, runs=3),
}


def child_environment(work: Path) -> dict[str, str]:
    """The environment of every measured process: quiet, no Prefect server URL, a private bytecode cache."""
    environment = {**os.environ, "NO_COLOR": "1", "PYTHONPYCACHEPREFIX": str(work / "pycache")}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment.pop("PREFECT_API_URL", None)
    return environment


def record(measured: Measured, **extra: Any) -> dict[str, Any]:
    """A run's JSON record (output is kept only when the command failed)."""
    entry: dict[str, Any] = {
        "ok": measured.returncode == 0,
        "wall_s": round(measured.wall_s, 3),
        "peak_rss_mib": round(measured.peak_rss_bytes / 2**20, 1),
        **extra,
    }
    if measured.returncode != 0:
        entry["error"] = (measured.stderr or measured.stdout)[-2000:]
    return entry


def ledger_summary(home: Path) -> dict[str, Any]:
    """The newest run's summary from the SQLite ledger, opened read-only (`junkan sql` cannot read it)."""
    database = home / "junkan.db"
    with sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True) as connection:
        row = connection.execute("SELECT summary FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def junkan_run(home: Path, environment: dict[str, str]) -> dict[str, Any]:
    """`junkan run` in `home`, with stage times from the ledger and orchestration = wall − stages."""
    measured = run_measured([JUNKAN, "run"], env={**environment, "JUNKAN_HOME": str(home)}, cwd=home.parent)
    summary = ledger_summary(home) if (home / "junkan.db").exists() else {}
    stages = {stage: float(summary.get("timings_s", {}).get(stage, 0.0)) for stage in STAGES}
    rows = int(summary.get("rows_read", 0))
    return record(
        measured,
        rows=rows,
        rows_accepted=int(summary.get("rows_accepted", 0)),
        rows_quarantined=int(summary.get("rows_quarantined", 0)),
        rows_per_s=round(rows / measured.wall_s, 1) if rows else None,
        stages_s=stages,
        orchestration_s=round(measured.wall_s - sum(stages.values()), 3),
    )


def fresh_home(root: Path, generated: generate.Generated, environment: dict[str, str]) -> tuple[Path, float]:
    """A new JUNKAN_HOME with members registered and the files in its inbox; returns it and the import time."""
    if root.exists():
        shutil.rmtree(root)
    home = root / "home"
    home.mkdir(parents=True)
    imported = run_measured(
        [JUNKAN, "members", "import", str(generated.members_file)], env={**environment, "JUNKAN_HOME": str(home)}
    )
    if imported.returncode != 0:
        msg = f"junkan members import failed: {imported.stderr[-2000:]}"
        raise RuntimeError(msg)
    shutil.copytree(generated.root / "inbox", home / "inbox")
    return home, imported.wall_s


def floor_run(generated: generate.Generated, out: Path, environment: dict[str, str], rows: int) -> dict[str, Any]:
    """The Polars floor over the same files."""
    shutil.rmtree(out, ignore_errors=True)
    timings = out.parent / f"{out.name}.json"
    measured = run_measured(
        [PYTHON, "-m", "benchmarks.floor", str(generated.root / "inbox"), str(out), "--timings", str(timings)],
        env=environment,
        cwd=Path(__file__).parents[1],
    )
    stages = json.loads(timings.read_text()) if timings.exists() else {}
    return record(measured, rows=rows, rows_per_s=round(rows / measured.wall_s, 1), stages_s=stages)


def pandas_run(generated: generate.Generated, out: Path, environment: dict[str, str]) -> dict[str, Any]:
    """The plain pandas pipeline over the same files."""
    shutil.rmtree(out, ignore_errors=True)
    timings = out.parent / f"{out.name}.json"
    command = [
        PYTHON,
        "-m",
        "benchmarks.pandas_baseline",
        str(generated.root / "inbox"),
        str(generated.members_file),
        str(out),
        "--timings",
        str(timings),
    ]
    measured = run_measured(command, env=environment, cwd=Path(__file__).parents[1])
    result = json.loads(timings.read_text()) if timings.exists() else {}
    stages = result.get("timings_s", {})
    counts = result.get("counts", {})
    rows = sum(dataset["read"] for dataset in counts.values())
    return record(
        measured,
        rows=rows,
        rows_accepted=sum(dataset["accepted"] for dataset in counts.values()),
        rows_quarantined=sum(dataset["quarantined"] for dataset in counts.values()),
        rows_per_s=round(rows / measured.wall_s, 1) if rows else None,
        stages_s=stages,
        orchestration_s=round(measured.wall_s - sum(stages.values()), 3),
    )


def check_indicators(home: Path, pandas_out: Path, environment: dict[str, str]) -> dict[str, Any]:
    """Compare the `mart.indicators` a release of junkan's run would publish with the pandas baseline's, value by value.

    A run builds the drafts (`draft.indicators`, what releasing the period now publishes); the public table waits for
    `junkan release`, which the workloads do not time.
    """
    done = run_measured(
        [JUNKAN, "sql", "SELECT * FROM draft.indicators", "--format", "csv"],
        env={**environment, "JUNKAN_HOME": str(home)},
        cwd=home.parent,
    )
    if done.returncode != 0:
        return {"equal": False, "error": done.stderr[-2000:]}
    ours = pl.read_csv(done.stdout.encode(), infer_schema_length=None)
    theirs = pl.read_parquet(pandas_out / "mart.indicators.parquet")
    comparison = compare_indicators(ours, theirs)
    return {"equal": comparison.equal, **asdict(comparison)}


def median_of(runs: list[dict[str, Any]], key: str) -> float | None:
    """Median of a numeric field over successful runs."""
    values = [run[key] for run in runs if run.get("ok") and run.get(key) is not None]
    return round(statistics.median(values), 3) if values else None


def median_count(runs: list[dict[str, Any]], key: str) -> float | None:
    """Median of a count over successful runs: a whole number stays an int (shown without decimals)."""
    value = median_of(runs, key)
    return int(value) if value is not None and float(value).is_integer() else value


def median_stages(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Median of each stage's seconds over successful runs."""
    names = {name for run in runs if run.get("ok") for name in run.get("stages_s", {})}
    return {
        name: round(statistics.median(run["stages_s"].get(name, 0.0) for run in runs if run.get("ok")), 3)
        for name in sorted(names)
    }


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over runs."""
    return {
        "n_runs": len(runs),
        "n_ok": sum(1 for run in runs if run.get("ok")),
        "wall_s": median_of(runs, "wall_s"),
        "rows_per_s": median_of(runs, "rows_per_s"),
        "peak_rss_mib": median_of(runs, "peak_rss_mib"),
        "orchestration_s": median_of(runs, "orchestration_s"),
        "stages_s": median_stages(runs),
        "runs": runs,
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing."""
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)


def batch_workload(
    name: str, generated: generate.Generated, work: Path, environment: dict[str, str], runs: int, *, quiet: bool
) -> dict[str, dict[str, Any]]:
    """W1 or W2: junkan from an empty warehouse, the floor and pandas; W3 (quiet night) after each W1 run."""
    systems: dict[str, list[dict[str, Any]]] = {"junkan": [], "floor": [], "pandas": []}
    quiet_runs: list[dict[str, Any]] = []
    checked: dict[str, Any] = {}
    for attempt in range(runs):
        home, import_s = fresh_home(work / f"{name}-home", generated, environment)
        junkan = junkan_run(home, environment)
        junkan["members_import_s"] = round(import_s, 3)
        systems["junkan"].append(junkan)
        log(f"{name} run {attempt + 1}: junkan {junkan['wall_s']} s, {junkan['peak_rss_mib']} MiB")
        if quiet:
            quiet_runs.append(junkan_run(home, environment))
            log(f"w3 run {attempt + 1}: {quiet_runs[-1]['wall_s']} s")
        systems["floor"].append(floor_run(generated, work / f"{name}-floor", environment, junkan.get("rows") or 0))
        pandas = pandas_run(generated, work / f"{name}-pandas", environment)
        systems["pandas"].append(pandas)
        log(f"{name} run {attempt + 1}: floor {systems['floor'][-1]['wall_s']} s, pandas {pandas['wall_s']} s")
        if attempt == 0 and junkan["ok"] and pandas["ok"]:
            checked = check_indicators(home, work / f"{name}-pandas", environment)
            log(f"{name}: mart.indicators junkan vs pandas equal = {checked.get('equal')}")
    result = {system: summarize(entries) for system, entries in systems.items()}
    junkan_wall = result["junkan"]["wall_s"]
    result["ratios"] = {
        "junkan_over_floor": ratio(junkan_wall, result["floor"]["wall_s"]),
        "pandas_over_junkan": ratio(result["pandas"]["wall_s"], junkan_wall),
        "orchestration_share": ratio(result["junkan"]["orchestration_s"], junkan_wall),
    }
    result["indicators_check"] = checked
    result["input"] = {
        "members": generated.n_members,
        "flow_rows": generated.n_flow_rows,
        "bad_rows": generated.n_bad_rows,
    }
    if quiet:
        result["w3"] = summarize(quiet_runs)
    return result


def burst_workload(work: Path, environment: dict[str, str], runs: int) -> dict[str, Any]:
    """W4: the burst, each run with its own fresh MinIO, Prefect server and installation (logs kept in work)."""
    entries: list[dict[str, Any]] = []
    for attempt in range(runs):
        log(f"w4 run {attempt + 1}: {burst.N_UPLOADS} uploads over {burst.SPREAD_S:g} s")
        entry = burst.run_burst(work / f"w4-run{attempt + 1}", environment=environment)
        entries.append(entry)
        failure = "" if entry["ok"] else f" — FAILED: {entry.get('error', 'not all published')}"
        log(
            f"w4 run {attempt + 1}: {entry.get('n_published')} published, last {entry.get('wall_s')} s after the "
            f"first upload, {entry.get('flow_runs')} flow runs{failure}"
        )
    summary = summarize(entries)
    summary["rows_per_s"] = None  # the burst is paced by the uploads, not by throughput
    summary |= {
        "rows": median_count(entries, "rows_read"),
        "last_upload_to_last_published_s": median_of(entries, "last_upload_to_last_published_s"),
        "n_published": median_count(entries, "n_published"),
        "flow_runs": median_count(entries, "flow_runs"),
        "rows_accepted": median_count(entries, "rows_accepted"),
        "rows_quarantined": median_count(entries, "rows_quarantined"),
        "uploads": burst.N_UPLOADS,
        "target_s": burst.TARGET_S,
    }
    return summary


def log(message: str) -> None:
    """Progress on standard error, with a time stamp."""
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def warm_up(work: Path, environment: dict[str, str]) -> dict[str, float]:
    """Fill the bytecode cache (timing the cold start) so the measured runs are steady-state."""
    cold: dict[str, float] = {}
    if (work / "pycache").exists():
        return cold  # warm already; Python revalidates every cached file against its source
    home = work / "warmup" / "home"
    shutil.rmtree(home.parent, ignore_errors=True)
    home.mkdir(parents=True)
    quiet = run_measured([JUNKAN, "run"], env={**environment, "JUNKAN_HOME": str(home)}, cwd=home.parent)
    imports = "import great_expectations, great_expectations.expectations, pandas, polars, pyarrow.parquet"
    run_measured([PYTHON, "-c", imports], env=environment)
    cold["junkan_run_nothing_new_s"] = round(quiet.wall_s, 3)
    return cold


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--workloads", default=None, help="comma-separated subset of help,w1,w2,w3,w4,w5")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "junkan-bench")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--members", type=int, default=None, help="override W1's member count")
    arguments = parser.parse_args()
    size = SIZES[arguments.size]
    if arguments.members:
        size = Size(arguments.members, size.rows_per_member, size.large_rows, size.runs, size.workloads)
    runs = arguments.runs or size.runs
    workloads = set((arguments.workloads or size.workloads).split(","))
    work: Path = arguments.work
    work.mkdir(parents=True, exist_ok=True)
    environment = child_environment(work)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "size": arguments.size,
        "config": asdict(size) | {"runs": runs},
        "machine": machine(),
        "notes": [],
        "workloads": {},
    }
    log("warming the bytecode cache")
    results["cold_start"] = warm_up(work, environment)
    # junkan's commands share one background Prefect server, as a user's do after the first command; W4
    # starts its own servers. Stopped whatever happens, so a benchmark leaves nothing running.
    prefect = LocalPrefectServer(work / "prefect-home", start_timeout_s=300)
    prefect_started = time.perf_counter()
    environment["JUNKAN_PREFECT_API_URL"] = prefect.start().server.api_url
    results["cold_start"]["prefect_server_start_s"] = round(time.perf_counter() - prefect_started, 3)
    try:
        run_workloads(results, workloads, size, work, environment, runs)
    finally:
        prefect.stop()
    results["elapsed_s"] = round(time.perf_counter() - started, 1)
    write_results(results, arguments.out, arguments.size)


def run_workloads(
    results: dict[str, Any], workloads: set[str], size: Size, work: Path, environment: dict[str, str], runs: int
) -> None:
    """Run the chosen workloads, each into results["workloads"]."""
    if "help" in workloads:
        helps = [record(run_measured([JUNKAN, "--help"], env=environment)) for _ in range(max(runs, 3))]
        results["workloads"]["help"] = summarize(helps)
    if workloads & {"w1", "w3"}:
        log(f"generating W1: {size.members} members × {size.rows_per_member} rows")
        shutil.rmtree(work / "w1-input", ignore_errors=True)  # never mix in files of another size
        generated = generate.generate_nightly(
            work / "w1-input", n_members=size.members, rows_per_member=size.rows_per_member
        )
        results["workloads"]["w1"] = batch_workload("w1", generated, work, environment, runs, quiet="w3" in workloads)
        if "w3" in workloads:
            results["workloads"]["w3"] = results["workloads"]["w1"].pop("w3")
    if "w2" in workloads:
        log(f"generating W2: one member, {size.large_rows} rows, CP932")
        shutil.rmtree(work / "w2-input", ignore_errors=True)
        large = generate.generate_large_member(work / "w2-input", rows=size.large_rows)
        results["workloads"]["w2"] = batch_workload("w2", large, work, environment, runs, quiet=False)
    if "w4" in workloads:
        results["workloads"]["w4"] = burst_workload(work, environment, runs)
    if "w5" in workloads:  # its own home and its own background server, cold start included
        log("w5: one-row submit and validate, 32 councils in one submit")
        results["workloads"]["w5"] = interactive_workload(JUNKAN, work, environment, runs)


def write_results(results: dict[str, Any], out: Path, size_name: str) -> None:
    """The JSON and Markdown results; exit 1 when a run failed or the indicators differ."""
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{datetime.now(UTC):%Y-%m-%d}-{size_name}"
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    markdown = render_markdown(results)
    (out / f"{stem}.md").write_text(markdown)
    print(markdown)
    failed = [
        name
        for name, workload in results["workloads"].items()
        for summary in [workload, *workload.values()]  # help and w4 are one summary, w1 and w2 one per system
        if isinstance(summary, dict) and "n_ok" in summary and summary["n_ok"] < summary["n_runs"]
    ]
    if failed:
        log(f"some runs failed: {', '.join(sorted(set(failed)))} (see {stem}.json)")
    different = [
        name
        for name, workload in results["workloads"].items()
        if workload.get("indicators_check", {}).get("equal") is False
    ]
    if different:
        log(f"mart.indicators differ between junkan and pandas: {', '.join(different)} (see {stem}.json)")
    if failed or different:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
