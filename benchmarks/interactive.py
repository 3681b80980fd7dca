"""W5, interactive latency: what a member or data engineer waits for at the terminal.

A one-row `junkan submit` and a one-row `junkan validate` with the background Prefect server and the warm worker
already running (medians), the first command's cold start apart (it starts both), and 32 councils' files in one
`submit` (one folder per council, as a data engineer receives them).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from statistics import median
from typing import Any

from benchmarks.measure import run_measured

HEADER = "member_id,period,material,source_stage,target_stage,quantity,unit"
N_COUNCILS = 32


def _council(member_id: str) -> str:
    return "\n".join(
        [
            HEADER,
            f"{member_id},FY2024,plastics.pet,use,collection,120,t",
            f"{member_id},FY2024,plastics.pet,collection,recycling,50,t",
            f"{member_id},FY2024,plastics.pet,collection,landfill,70,t",
        ]
    )


def interactive_workload(junkan: str, work: Path, environment: dict[str, str], runs: int) -> dict[str, Any]:
    """W5 in a fresh JUNKAN_HOME; `environment` must not name a Prefect server (the home's own is used)."""
    root = work / "w5"
    shutil.rmtree(root, ignore_errors=True)
    home = root / "home"
    home.mkdir(parents=True)
    env = {**environment, "JUNKAN_HOME": str(home)}
    env.pop("JUNKAN_PREFECT_API_URL", None)
    councils = [f"council-{n:02d}" for n in range(N_COUNCILS)]
    members = root / "members.csv"
    members.write_text(
        "member_id,name,kind,region,joined_on\n"
        + "".join(f"{member},{member},municipality,JP-13,2023-04-01\n" for member in ["corp-a", *councils]),
        encoding="utf-8",
    )
    one_row = root / "one-row.csv"

    def new_one_row(tonnes: int) -> Path:
        """A one-row file of new content (the same content again would be answered "already done")."""
        one_row.write_text(f"{HEADER}\ncorp-a,FY2024,plastics.pet,import,production,{tonnes},t\n", encoding="utf-8")
        return one_row

    folder = root / "councils"
    for member in councils:
        (folder / member).mkdir(parents=True)
        (folder / member / "令和6年度_実績.csv").write_text(_council(member), encoding="utf-8")

    def timed(*args: str) -> dict[str, Any]:
        done = run_measured([junkan, *args], env=env, cwd=root)
        return {"ok": done.returncode == 0, "wall_s": round(done.wall_s, 3)} | (
            {} if done.returncode == 0 else {"error": (done.stderr or done.stdout)[-2000:]}
        )

    results: dict[str, Any] = {"members_import": timed("members", "import", str(members))}
    submit = ["submit", str(one_row), "--member", "corp-a", "--dataset", "flows"]
    validate = ["validate", str(one_row), "--member", "corp-a", "--dataset", "flows"]
    try:
        new_one_row(100)
        results["cold_first_submit"] = timed(*submit)  # starts the warm worker and the background server
        results["submit_one_row"] = [timed(*submit) for tonnes in range(101, 101 + runs) if new_one_row(tonnes)]
        results["validate_one_row"] = [timed(*validate) for _ in range(runs)]
        results["submit_32_councils"] = timed("submit", str(folder), "--dataset", "flows")
    finally:
        results["worker_stop"] = timed("worker", "stop")
        results["server_stop"] = timed("server", "stop")
    for name in ("submit_one_row", "validate_one_row"):
        results[f"{name}_median_s"] = median(run["wall_s"] for run in results[name])
    return results
