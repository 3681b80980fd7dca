"""Demo data for `junkan demo`: a synthetic partnership year, the real Japan steel flows and Scotland.

`generate_demo` writes member files as `<directory>/<member_id>/<dataset>/<file>` (the inbox layout)
and returns a manifest saying, for humans, what should happen to each file. Five files are bad on
purpose, each from a different member so that a bad file never spoils another member's results.
The members are in `flows.demo.data.members`, their flows are modelled in `flows.demo.data.flow_model`,
their targets and progress in `flows.demo.data.targets`, files are written by `flows.demo.data.files`;
the real datasets are kept as published and converted in `flows.demo.data.real`.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from flows.demo.data.files import (
    EXTENSIONS,
    FULL_WIDTH,
    DemoFile,
    FileFormat,
    PeriodStyle,
    period_text,
    quantity_text,
    submission_path,
    write_file,
)
from flows.demo.data.flow_model import year_flows
from flows.demo.data.kinds import plan_files, project_files
from flows.demo.data.members import (
    CP932_MEMBER,
    DEMO_MEMBERS,
    MISSING_UNIT_MEMBER,
    N_NEGATIVE,
    NEGATIVE_MEMBER,
    UNKNOWN_MATERIAL_MEMBER,
    DemoMember,
    disclosure_columns,
    joined_on,
)
from flows.demo.data.products import DECLARED, declarations_file, product_flows_file
from flows.demo.data.real import (
    SCOTLAND_FILE,
    STEEL_FILE,
    STEEL_MEMBER,
    real_file,
    scotland_flows_frame,
    scotland_members_frame,
    steel_flows_frame,
)
from flows.demo.data.targets import member_targets, progress_received_on, publication_of, write_progress, write_targets
from flows.demo.data.transfers import destination_of, written_region
from schemas import FLOWS, MEMBERS
from schemas import vocabulary as v

__all__ = ["DemoFile", "DemoManifest", "generate_demo"]

FISCAL_YEARS = (2023, 2024)
UNKNOWN_MATERIAL = "unobtainium"


@dataclass(frozen=True, eq=False)
class DemoManifest:
    """Members to register (text columns of the members contract) and files in the order to submit them."""

    members: pl.DataFrame
    submissions: tuple[DemoFile, ...]


# --- flows files ----------------------------------------------------------------------------------

_PROCESS_NAMES_JA: dict[str, str] = {
    "use": "家庭・事業所",
    "collection": "分別収集",
    "sorting": "資源化センター",
    "recycling": "再商品化事業者",
    "composting": "堆肥化施設",
    "energy_recovery": "清掃工場（発電）",
    "landfill": "最終処分場",
}


def _flows_frame(member: DemoMember, seed: int, rng: random.Random, *, style: PeriodStyle, unit: str) -> pl.DataFrame:
    """Both fiscal years of a member's flows as the text a member writes."""
    quality = "estimated" if member.role == "national" else rng.choice(v.QUALITY_CODES)
    # National estimates are for Japan; others sometimes leave region empty (their registered one).
    region = "JP" if member.role == "national" else member.region if rng.random() < 0.6 else None
    rows: list[dict[str, str | None]] = []
    spelling = random.Random(f"{seed}:{member.member_id}:spelling")
    for year_index, year in enumerate(FISCAL_YEARS):
        for flow in year_flows(member, seed, year_index):
            destination = destination_of(member, flow, seed)
            names = (
                (_PROCESS_NAMES_JA[flow.source_stage], _PROCESS_NAMES_JA[flow.target_stage])
                if member.named_processes
                else (None, None)
            )
            rows.append(
                {
                    "member_id": member.member_id,
                    "period": period_text(year, style),
                    "material": flow.material,
                    "source_stage": flow.source_stage,
                    "target_stage": flow.target_stage,
                    "source": names[0],
                    "target": names[1],
                    "quantity": quantity_text(flow.quantity_t, unit),
                    "unit": unit,
                    "region": region,
                    "origin_region": None,  # blank: the row's region
                    "destination_region": None if destination is None else written_region(destination, spelling),
                    "quality": quality,
                    "note": None,
                }
            )
    return pl.DataFrame(rows, schema=FLOWS.read_schema)


def _write_member_flows(directory: Path, member: DemoMember, seed: int) -> DemoFile:
    """A member's flows file; the members chosen to carry a deliberate fault get it here."""
    rng = random.Random(f"{seed}:{member.member_id}:flows")
    style: PeriodStyle = rng.choice(("fy", "nendo", "reiwa"))
    unit = member.unit
    file_format = member.file_format
    if member.member_id == CP932_MEMBER:
        style, unit = "nendo", "トン"
    frame = _flows_frame(member, seed, rng, style=style, unit=unit)
    details = [f"period {frame['period'][-1]}", f"unit {unit}", file_format.replace("csv_bom", "csv with BOM")]
    expectation = f"valid ({', '.join(details)})"
    name = f"{member.member_id}-flows-fy{FISCAL_YEARS[0]}-fy{FISCAL_YEARS[-1]}.{EXTENSIONS[file_format]}"
    path = submission_path(directory, member.member_id, FLOWS.name, name)
    if member.member_id == CP932_MEMBER:
        full_width = frame.with_columns(
            pl.Series(column, [text.translate(FULL_WIDTH) for text in frame[column]], dtype=pl.String())
            for column in ("quantity", "period")
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(full_width.write_csv().encode("cp932"))
        return DemoFile(
            member.member_id,
            FLOWS.name,
            path,
            "valid after normalisation (Shift_JIS/CP932, full-width digits, unit トン)",
        )
    if member.member_id == UNKNOWN_MATERIAL_MEMBER:
        last = frame.tail(1)
        odd = pl.concat([last, last]).with_columns(
            material=pl.lit(UNKNOWN_MATERIAL),
            source_stage=pl.Series(["collection", "sorting"]),
            target_stage=pl.Series(["sorting", "recycling"]),
            quantity=pl.Series(["120", "110.5"]),
        )
        frame = pl.concat([frame, odd])
        expectation = f"partially valid: 2 rows with unknown material group {UNKNOWN_MATERIAL}"
    elif member.member_id == NEGATIVE_MEMBER:
        chosen = sorted(rng.sample([index for index, text in enumerate(frame["quantity"]) if text != "0"], N_NEGATIVE))
        negative = pl.int_range(pl.len()).is_in(chosen)
        frame = frame.with_columns(
            quantity=pl.when(negative).then(pl.lit("-") + pl.col("quantity")).otherwise(pl.col("quantity"))
        )
        expectation = f"partially valid: {N_NEGATIVE} negative quantities"
    elif member.member_id == MISSING_UNIT_MEMBER:
        frame = frame.drop("unit")
        expectation = "rejected: missing column unit"
    write_file(frame, path, FLOWS.name, file_format)
    return DemoFile(member.member_id, FLOWS.name, path, expectation)


def _write_steel(directory: Path) -> DemoFile:
    frame = steel_flows_frame(real_file(STEEL_FILE))
    path = submission_path(directory, STEEL_MEMBER, FLOWS.name, "japan-steel-2019.csv")
    write_file(frame, path, FLOWS.name, "csv_bom")
    expectation = "valid (real data, Watari et al. 2025)"
    return DemoFile(STEEL_MEMBER, FLOWS.name, path, expectation)


def _write_scotland(directory: Path) -> tuple[pl.DataFrame, list[DemoFile]]:
    path = real_file(SCOTLAND_FILE)
    members = scotland_members_frame(path)
    flows = scotland_flows_frame(path)
    files: list[DemoFile] = []
    for (member_id,), frame in flows.group_by("member_id", maintain_order=True):
        member = str(member_id)
        years = sorted(frame["period"].unique())
        first, last = years[0], years[-1]
        target = submission_path(directory, member, FLOWS.name, f"{member}-household-waste-{first}-{last}.csv")
        write_file(frame, target, FLOWS.name, "csv")
        files.append(DemoFile(member, FLOWS.name, target, "valid (real data, SEPA household waste)"))
    return members, files


# --- the demo -------------------------------------------------------------------------------------


def generate_demo(directory: Path, *, seed: int = 2024, include_scotland: bool = False) -> DemoManifest:
    """Write a synthetic partnership year (plus the real steel flows, and Scotland if asked) into `directory`.

    Files go to `<directory>/<member_id>/<dataset>/<file>`; the manifest lists targets first, then flows,
    then progress, the order in which a member's progress can refer to its targets, then projects, their
    disclosures and municipal plans (`flows.demo.data.kinds`), and last the producers' declarations, which are
    held to their own flows (`flows.demo.data.products`).
    """
    directory.mkdir(parents=True, exist_ok=True)
    targets_files: list[DemoFile] = []
    flows_files: list[DemoFile] = []
    progress_files: list[DemoFile] = []
    declarations_files: list[DemoFile] = []
    member_rows: list[dict[str, str]] = []
    for member in DEMO_MEMBERS:
        member_rows.append(
            {
                "member_id": member.member_id,
                "name": member.name,
                "kind": member.kind,
                "region": member.region,
                "joined_on": joined_on(member, seed),
                **disclosure_columns(member, seed),
            }
        )
        targets = member_targets(member, seed)
        if targets:
            targets_format: FileFormat = "xlsx" if member.file_format == "xlsx" else "csv"
            publication = publication_of(member, seed, date.fromisoformat(member_rows[-1]["joined_on"]))
            targets_files += write_targets(directory, member, targets, publication, file_format=targets_format)
            progress = write_progress(directory, member, targets, seed)
            progress_on = progress_received_on(member, seed, publication.received_on)
            progress_files.append(dataclasses.replace(progress, received_on=progress_on))
        if member.role == "steel":
            flows_files.append(_write_steel(directory))
        elif member.role == "product":
            flows_files.append(product_flows_file(directory, member.member_id, member.region))
            if member.member_id in DECLARED:
                declarations_files.append(declarations_file(directory, member.member_id))
        elif member.role != "none":
            flows_files.append(_write_member_flows(directory, member, seed))
    members = pl.DataFrame(member_rows, schema=MEMBERS.read_schema)
    if include_scotland:
        scotland_members, scotland_files = _write_scotland(directory)
        members = pl.concat([members, scotland_members])
        flows_files += scotland_files
    kinds_files = [DemoFile(*one) for one in (*project_files(directory), *plan_files(directory))]
    return DemoManifest(
        members=members,
        submissions=(*targets_files, *flows_files, *progress_files, *kinds_files, *declarations_files),
    )
