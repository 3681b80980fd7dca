"""The Markdown table of a benchmark results file: medians, ratios and the issue's targets."""

from __future__ import annotations

from typing import Any

GIB_MIB = 1024.0
W4_TARGET_S = 180.0  # issue 5: a burst of 500 uploads all published within 3 minutes of the first


def _show(value: object, suffix: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}{suffix}" if value < 100 else f"{value:,.0f}{suffix}"
    return f"{value}{suffix}"


def targets(results: dict[str, Any]) -> list[tuple[str, str, object, bool | None]]:
    """(target, wanted, measured, met) for every target of issue 5 that this run measured."""
    workloads = results["workloads"]
    found: list[tuple[str, str, object, bool | None]] = []

    def add(name: str, wanted: str, value: float | None, met: bool | None) -> None:
        found.append((name, wanted, value, None if value is None else met))

    if "w1" in workloads:
        w1 = workloads["w1"]
        over_floor = w1["ratios"]["junkan_over_floor"]
        pandas_over = w1["ratios"]["pandas_over_junkan"]
        share = w1["ratios"]["orchestration_share"]
        rss = w1["junkan"]["peak_rss_mib"]
        add("W1 junkan / floor", "≤ 3×", over_floor, over_floor is not None and over_floor <= 3)
        add("W1 pandas / junkan", "≥ 2×", pandas_over, pandas_over is not None and pandas_over >= 2)
        add("W1 peak RSS (MiB)", "< 2048", rss, rss is not None and rss < 2 * GIB_MIB)
        add("W1 orchestration share", "< 0.10", share, share is not None and share < 0.10)
    if "w2" in workloads:
        rss = workloads["w2"]["junkan"]["peak_rss_mib"]
        add("W2 peak RSS (MiB)", "< 1024", rss, rss is not None and rss < GIB_MIB)
    if "w3" in workloads:
        wall = workloads["w3"]["wall_s"]
        add("W3 quiet night (s)", "< 10", wall, wall is not None and wall < 10)
    if "w4" in workloads:
        wall = workloads["w4"]["wall_s"]
        limit = workloads["w4"].get("target_s", W4_TARGET_S)
        add(
            f"W4 all {workloads['w4'].get('uploads', 500)} published (s)",
            f"≤ {limit:g}",
            wall,
            wall is not None and wall <= limit,
        )
    if "help" in workloads:
        wall = workloads["help"]["wall_s"]
        add("junkan --help (s)", "< 1", wall, wall is not None and wall < 1)
    return found


def burst_lines(w4: dict[str, Any]) -> list[str]:
    """W4's own table: medians of the burst's times, counts and flow runs."""
    return [
        f"W4: {w4.get('uploads')} small uploads to MinIO over {_show(_spread(w4))} s; "
        "wall s = first upload → last published (event path).",
        "",
        "| runs ok | published | first upload → last published s | last upload → last published s | flow runs | "
        "rows read | accepted | quarantined |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| {w4['n_ok']}/{w4['n_runs']} | {_show(w4.get('n_published'))} | {_show(w4['wall_s'])} | "
        f"{_show(w4.get('last_upload_to_last_published_s'))} | {_show(w4.get('flow_runs'))} | "
        f"{_show(w4.get('rows'))} | {_show(w4.get('rows_accepted'))} | {_show(w4.get('rows_quarantined'))} |",
    ]


def _spread(w4: dict[str, Any]) -> float | None:
    spreads = [run.get("spread_s") for run in w4.get("runs", []) if run.get("spread_s") is not None]
    return float(spreads[0]) if spreads else None


def interactive_lines(w5: dict[str, Any]) -> list[str]:
    """W5: what a member waits for at the terminal, with the server and warm worker running (issue 28's targets)."""
    cold = w5.get("cold_first_submit", {})
    batch = w5.get("submit_32_councils", {})
    return [
        "| W5 interactive | wall s | target |",
        "|---|---:|---|",
        f"| one-row `submit`, server running (median) | {_show(w5.get('submit_one_row_median_s'))} | ≤ 2 s |",
        f"| one-row `validate` (median) | {_show(w5.get('validate_one_row_median_s'))} | ≤ 1 s |",
        f"| 32 councils' files in one `submit` | {_show(batch.get('wall_s'))} | < 15 s |",
        f"| first command's cold start (`submit`, starts the server) | {_show(cold.get('wall_s'))} | reported apart |",
    ]


def render_markdown(results: dict[str, Any]) -> str:
    """Medians per workload and system, stage times, ratios and targets."""
    config = results["config"]
    box = results["machine"]
    lines = [
        f"# junkan benchmarks — {results['date']} — size `{results['size']}`",
        "",
        f"Machine: {box['cores']} cores, {box['memory_gib']} GiB, {box['cpu']}. "
        f"Medians over {config['runs']} run(s). W1 = {config['members']} members × {config['rows_per_member']} "
        f"flow rows (+ targets, progress), W2 = one member, {config['large_rows']:,} rows CP932.",
        "Peak RSS = largest sum of VmRSS over the process tree (sampled every 50 ms).",
        "",
        "| workload | system | wall s | rows/s | peak RSS MiB | read | validate | write | publish | orchestration |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    workloads = results["workloads"]
    for name, workload in workloads.items():
        if name == "w5":  # latencies of single commands: a table of their own below
            continue
        systems = {"run": workload} if "wall_s" in workload else workload
        for system, summary in systems.items():
            if not isinstance(summary, dict) or "wall_s" not in summary:
                continue
            stages = summary.get("stages_s", {})
            lines.append(
                f"| {name} | {system if system != 'run' else ''} | {_show(summary['wall_s'])} | "
                f"{_show(summary.get('rows_per_s'))} | {_show(summary['peak_rss_mib'])} | "
                + " | ".join(_show(stages.get(stage)) for stage in ("read", "validate", "write", "publish"))
                + f" | {_show(summary.get('orchestration_s'))} |"
            )
    compared = {name: workload for name, workload in workloads.items() if "ratios" in workload}
    if compared:  # W1 and W2 only: W4 alone has nothing to compare
        lines += ["", "| workload | junkan / floor | pandas / junkan | orchestration share | indicators equal |"]
        lines.append("|---|---:|---:|---:|---|")
    for name, workload in compared.items():
        ratios = workload["ratios"]
        check = workload.get("indicators_check") or {}
        equal = check.get("equal")
        lines.append(
            f"| {name} | {_show(ratios['junkan_over_floor'])} | {_show(ratios['pandas_over_junkan'])} | "
            f"{_show(ratios['orchestration_share'])} | {'–' if equal is None else equal} |"
        )
    if "w4" in workloads:
        lines += ["", *burst_lines(workloads["w4"])]
    if "w5" in workloads:
        lines += ["", *interactive_lines(workloads["w5"])]
    lines += ["", "| target | wanted | measured | met |", "|---|---|---:|---|"]
    for target, wanted, measured, met in targets(results):
        verdict = "–" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {target} | {wanted} | {_show(measured)} | {verdict} |")
    cold = results.get("cold_start") or {}
    if cold:
        seconds = cold.get("junkan_run_nothing_new_s")
        if seconds is not None:
            lines += ["", f"Cold start (empty bytecode cache): `junkan run` with nothing new took {_show(seconds)} s."]
        server_s = cold.get("prefect_server_start_s")
        if server_s is not None:
            lines += [
                "",
                f"The background Prefect server that junkan's commands share started in {_show(server_s)} s "
                "(paid once, by the first command that runs a flow; not in the times above).",
            ]
    for note in results.get("notes", []):
        lines += ["", f"Note: {note}"]
    return "\n".join(lines) + "\n"
