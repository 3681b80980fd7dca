"""Demo data: deterministic, complete, realistic, with exactly the deliberate faults it claims."""

from __future__ import annotations

import csv
import re
import unicodedata
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.demo.data import members as demo_data
from flows.demo.data import real as real_data
from flows.demo.data.flow_model import year_flows
from flows.demo.data.generate import DemoManifest, generate_demo
from flows.demo.data.kinds import UNKNOWN_PROJECT_MEMBER
from flows.demo.data.members import DEMO_MEMBERS
from flows.demo.data.real import real_data_dir, scotland_flows_frame, scotland_members_frame, steel_flows_frame
from flows.demo.data.transfers import destination_of, neighbours
from schemas import CONTRACTS, FLOWS, MEMBERS
from schemas import vocabulary as v
from schemas.members import MEMBER_ID_PATTERN
from schemas.regions import BLOC_CODES, PREFECTURE_TO_BLOC

BAD_MEMBERS = {
    demo_data.CP932_MEMBER,
    demo_data.UNKNOWN_MATERIAL_MEMBER,
    demo_data.NEGATIVE_MEMBER,
    demo_data.MISSING_UNIT_MEMBER,
    demo_data.UNKNOWN_TARGET_MEMBER,
}


def _files(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes() for path in directory.rglob("*") if path.is_file()
    }


def _file(demo: DemoManifest, member_id: str, dataset: str) -> Path:
    (path,) = [file.path for file in demo.submissions if file.member_id == member_id and file.dataset == dataset]
    return path


def _read_csv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


# --- determinism and completeness --------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    generate_demo(tmp_path / "a", seed=7)
    generate_demo(tmp_path / "b", seed=7)
    generate_demo(tmp_path / "c", seed=8)
    first, second, other = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert first == second
    assert any(name.endswith(".xlsx") for name in first)
    # Who has set targets varies with the seed; who reports flows does not.
    assert {name for name in first if "/flows/" in name} == {name for name in other if "/flows/" in name}
    differing = {name for name in first.keys() & other.keys() if first[name] != other[name]}
    # The real steel file does not depend on the seed; the synthetic flows all do.
    assert "jisf/flows/japan-steel-2019.csv" not in differing
    assert "city-sapporo/flows/city-sapporo-flows-fy2023-fy2024.csv" in differing


def test_xlsx_files_carry_a_fixed_time_stamp_not_the_current_time(demo: DemoManifest) -> None:
    workbooks = [file.path for file in demo.submissions if file.path.suffix == ".xlsx"]
    assert len(workbooks) >= 4
    for path in workbooks:
        with zipfile.ZipFile(path) as archive:
            assert {info.date_time for info in archive.infolist()} == {(2025, 4, 1, 9, 0, 0)}
            assert b"2025-04-01T09:00:00Z" in archive.read("docProps/core.xml")


def test_manifest_lists_every_written_file_in_the_inbox_layout(demo: DemoManifest) -> None:
    root = demo.submissions[0].path.parents[2]
    on_disk = {path for path in root.rglob("*") if path.is_file()}
    listed = [file.path for file in demo.submissions]
    assert len(listed) == len(set(listed))
    assert set(listed) == on_disk
    for file in demo.submissions:
        assert file.path.is_file()
        assert file.path.relative_to(root).parts[:2] == (file.member_id, file.dataset)
        assert file.path.name.isascii()
        assert file.expectation


def test_targets_come_before_flows_and_flows_before_progress(demo: DemoManifest) -> None:
    order = [file.dataset for file in demo.submissions]
    datasets = ["targets", "flows", "progress", "projects", "disclosures", "plans", "declarations"]
    assert order == sorted(order, key=datasets.index)


def test_members_cover_every_kind_with_valid_ids_regions_and_join_dates(demo: DemoManifest) -> None:
    members = demo.members
    assert members.columns == [column.name for column in MEMBERS.submitted_columns]
    assert members.schema == MEMBERS.read_schema
    assert 280 <= members.height <= 300  # three or more municipalities in every prefecture (issue 14)
    assert set(members["kind"]) == set(v.MEMBER_KIND_CODES)
    assert members["member_id"].n_unique() == members.height
    assert all(re.fullmatch(MEMBER_ID_PATTERN, member_id) for member_id in members["member_id"])
    prefectures = {f"JP-{number:02d}" for number in range(1, 48)}
    assert set(members["region"]) <= prefectures | {"JP"}
    joined = [date.fromisoformat(text) for text in members["joined_on"]]
    assert min(joined) >= date(2022, 1, 1)
    assert max(joined) <= date(2024, 12, 31)
    submitters = {file.member_id for file in demo.submissions}
    assert submitters <= set(members["member_id"])
    assert len(submitters) >= 50


def test_files_use_the_contract_columns_and_several_formats_units_and_period_spellings(demo: DemoManifest) -> None:
    flows_columns = [column.name for column in FLOWS.submitted_columns]
    periods: set[str] = set()
    units: set[str] = set()
    for file in demo.submissions:
        if file.path.suffix != ".csv" or file.member_id in {demo_data.CP932_MEMBER, demo_data.MISSING_UNIT_MEMBER}:
            continue
        if file.dataset == "plans":  # CP932 with Japanese headers, as offices save them
            continue
        frame = _read_csv(file.path)
        expected = CONTRACTS[file.dataset]
        assert frame.columns == [column.name for column in expected.submitted_columns]
        if file.dataset == "flows" and frame.columns == flows_columns:
            periods |= set(frame["period"])
            units |= set(frame["unit"])
    assert {"FY2024", "2024年度", "令和6年度", "FY2023", "2023年度", "令和5年度", "2019"} <= periods
    assert {"t", "kg", "kt", "千トン", "トン"} <= units
    suffixes = {file.path.suffix for file in demo.submissions}
    assert suffixes == {".csv", ".xlsx", ".parquet", ".jsonl"}
    assert sum(file.path.suffix == ".parquet" for file in demo.submissions) == 1
    assert sum(file.path.suffix == ".jsonl" for file in demo.submissions) == 1


# --- realism ----------------------------------------------------------------------------------


def test_municipalities_report_end_of_life_and_companies_production_side(demo: DemoManifest) -> None:
    city = _read_csv(_file(demo, "city-sapporo", "flows"))
    assert set(city["source_stage"]) == {"use", "collection", "sorting"}
    assert set(city["target_stage"]) <= {
        "collection",
        "sorting",
        "recycling",
        "composting",
        "energy_recovery",
        "landfill",
    }
    producer = _read_csv(_file(demo, "kanto-cement", "flows"))
    assert {"production"} <= set(producer["source_stage"]) | set(producer["target_stage"])
    assert "use" not in set(producer["source_stage"])
    # Cyclical use: a producer takes recycled material back into production.
    assert (
        producer.filter((pl.col("source_stage") == "recycling") & (pl.col("target_stage") == "production")).height == 2
    )


def test_synthetic_flows_balance_every_process_within_the_contract_tolerance(demo: DemoManifest) -> None:
    rows = []
    for file in demo.submissions:
        if file.dataset != "flows" or file.path.suffix != ".csv" or file.member_id in BAD_MEMBERS | {"jisf"}:
            continue
        frame = _read_csv(file.path)
        to_tonnes = {unit: v.UNIT_TO_TONNES[v.UNIT_SPELLINGS[unit]] for unit in frame["unit"].unique()}
        rows.append(
            frame.select(
                "member_id",
                "period",
                "material",
                "source_stage",
                "target_stage",
                pl.col("quantity").cast(pl.Float64) * pl.col("unit").replace_strict(to_tonnes, return_dtype=pl.Float64),
            )
        )
    flows = pl.concat(rows)
    assert flows["quantity"].min() >= 0  # type: ignore[operator]
    assert set(flows["material"]) <= set(v.MATERIAL_CODES)
    assert set(flows["source_stage"]) | set(flows["target_stage"]) <= set(v.STAGE_CODES)
    keys = ["member_id", "period", "material"]
    outflow = flows.group_by(*keys, pl.col("source_stage").alias("stage")).agg(pl.col("quantity").sum().alias("out"))
    inflow = flows.group_by(*keys, pl.col("target_stage").alias("stage")).agg(pl.col("quantity").sum().alias("in"))
    both = inflow.join(outflow, on=[*keys, "stage"], how="inner")
    assert both.height > 500
    gap = both.select(((pl.col("in") - pl.col("out")).abs() / pl.max_horizontal("in", "out")).max()).item()
    assert gap <= 0.001


def test_targets_have_baseline_before_target_and_progress_refers_to_them(demo: DemoManifest) -> None:
    targets = pl.concat(
        [_read_csv(f.path) for f in demo.submissions if f.dataset == "targets" and f.path.suffix == ".csv"]
    )
    assert (targets["baseline_year"].cast(pl.Int32) < targets["target_year"].cast(pl.Int32)).all()
    assert set(targets["indicator"]) <= set(v.TARGET_INDICATOR_CODES)
    assert targets["description"].str.contains("年度").all()
    n_members_with_targets = sum(file.dataset == "targets" for file in demo.submissions)
    assert n_members_with_targets >= demo.members.height * 3 // 4
    progress = pl.concat([_read_csv(f.path) for f in demo.submissions if f.dataset == "progress"])
    assert set(progress["year"]) == {"2023", "2024"}
    known = targets.select("member_id", "target_id")
    unknown = progress.join(known, on=["member_id", "target_id"], how="anti")
    # Only the deliberately bad row of the one member, and only for members whose targets file is CSV.
    xlsx_members = {f.member_id for f in demo.submissions if f.dataset == "targets" and f.path.suffix == ".xlsx"}
    unknown = unknown.filter(~pl.col("member_id").is_in(xlsx_members))
    assert unknown.select("member_id", "target_id").rows() == [(demo_data.UNKNOWN_TARGET_MEMBER, "T9")]


# --- the deliberately bad files ---------------------------------------------------------------


def test_each_bad_file_comes_from_a_different_member_whose_other_files_are_valid(demo: DemoManifest) -> None:
    assert len(BAD_MEMBERS) == 5
    not_valid = {
        (file.member_id, file.dataset) for file in demo.submissions if not file.expectation.startswith("valid")
    }
    assert not_valid == {
        (demo_data.UNKNOWN_MATERIAL_MEMBER, "flows"),
        (demo_data.NEGATIVE_MEMBER, "flows"),
        (demo_data.MISSING_UNIT_MEMBER, "flows"),
        (demo_data.UNKNOWN_TARGET_MEMBER, "progress"),
        (UNKNOWN_PROJECT_MEMBER, "disclosures"),  # one disclosure names a project never submitted
    }


def test_cp932_file_is_shift_jis_with_full_width_digits_and_japanese_unit(demo: DemoManifest) -> None:
    path = _file(demo, demo_data.CP932_MEMBER, "flows")
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("cp932")
    frame = pl.read_csv(text.encode("utf-8"), infer_schema=False)
    assert set(frame["period"]) == {"２０２３年度", "２０２４年度"}
    assert set(frame["unit"]) == {"トン"}
    quantity = frame["quantity"][0]
    assert re.fullmatch(r"[０-９]+(．[０-９]+)?", quantity)
    assert float(unicodedata.normalize("NFKC", quantity)) > 0
    assert frame["member_id"].unique().to_list() == [demo_data.CP932_MEMBER]


def test_missing_unit_file_lacks_unit_but_has_the_other_required_columns(demo: DemoManifest) -> None:
    frame = _read_csv(_file(demo, demo_data.MISSING_UNIT_MEMBER, "flows"))
    assert "unit" not in frame.columns
    assert set(FLOWS.required_columns) - set(frame.columns) == {"unit"}
    assert frame.height > 0


def test_unknown_material_and_negative_quantity_files_have_exactly_the_claimed_bad_rows(demo: DemoManifest) -> None:
    unknown = _read_csv(_file(demo, demo_data.UNKNOWN_MATERIAL_MEMBER, "flows"))
    groups = unknown["material"].str.split(".").list.first()
    assert unknown.filter(~groups.is_in(v.MATERIAL_GROUP_CODES))["material"].to_list() == ["unobtainium"] * 2
    negative = _read_csv(_file(demo, demo_data.NEGATIVE_MEMBER, "flows"))
    assert negative["quantity"].str.starts_with("-").sum() == 3
    assert negative.height > 3


# --- the real Japan steel flows ------------------------------------------------------------------


@pytest.fixture(scope="module")
def steel() -> pl.DataFrame:
    return steel_flows_frame(real_data_dir() / real_data.STEEL_FILE)


def test_steel_has_one_row_per_process_pair_and_keeps_every_tonne(steel: pl.DataFrame) -> None:
    # Read the file independently: a pair (source, target) may repeat once per floWeaver type; the
    # legend (Reference flow start → end, 30000) and the matrix diagonal (a process to itself) go.
    with (real_data_dir() / real_data.STEEL_FILE).open(encoding="utf-8-sig", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if not row["source"].startswith("Reference")]
    pairs = {(row["source"], row["target"]) for row in rows if row["source"] != row["target"]}
    diagonal = sum(float(row["value"]) for row in rows if row["source"] == row["target"])
    assert diagonal == 0  # nothing is lost by leaving out the diagonal
    assert steel.height == len(pairs)
    assert steel.select(pl.struct(FLOWS.key).is_duplicated().sum()).item() == 0
    total = sum(float(row["value"]) for row in rows)
    assert steel["quantity"].cast(pl.Float64).sum() == pytest.approx(total)
    assert steel.schema == FLOWS.read_schema
    assert (steel["quantity"].cast(pl.Float64) == 0).sum() > 100  # zero flows are real reports and stay
    assert set(steel["member_id"]) == {"jisf"}
    assert set(steel["period"]) == {"2019"}
    assert set(steel["material"]) == {"metals.ferrous"}
    assert set(steel["unit"]) == {"kt"}


def test_steel_import_rows_add_up_to_the_hand_worked_sum(steel: pl.DataFrame) -> None:
    imports = steel.filter(pl.col("source_stage") == "import")
    assert imports["source"].str.starts_with("Imports of ").all()
    # Non-zero import rows of the file: iron ore, pig iron, DRI, scrap steel, ingots and semis, long
    # products, flat products, end-use goods; every other import row is 0.
    expected = 71235.90118 + 154.98 + 17.48 + 104.86 + 326.34 + 1088.78 + 4584.44 + 6640.4212
    assert expected == pytest.approx(84153.20238)
    assert imports["quantity"].cast(pl.Float64).sum() == pytest.approx(expected)


def test_steel_processes_map_to_stages_and_keep_their_names(steel: pl.DataFrame) -> None:
    def stages(source: str, target: str) -> tuple[str, str]:
        row = steel.filter((pl.col("source") == source) & (pl.col("target") == target)).row(0, named=True)
        return row["source_stage"], row["target_stage"]

    assert stages("Long products", "End-use goods") == ("manufacturing", "use")
    assert stages("Stock", "Scrap steel") == ("stock", "recycling")
    assert stages("Scrap steel", "EAF steel") == ("recycling", "production")
    assert stages("BOF steel", "Loss") == ("production", "dissipation")
    assert stages("Flat products", "Exports of flat products") == ("manufacturing", "export")
    assert stages("Production of iron ore", "Iron ore") == ("extraction", "production")
    assert set(steel["source_stage"]) | set(steel["target_stage"]) <= set(v.STAGE_CODES)


def test_steel_data_folder_is_read_from_the_environment_at_call_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(real_data.REAL_DATA_ENV, str(tmp_path))
    assert real_data_dir() == tmp_path
    (tmp_path / real_data.STEEL_FILE).write_text("\ufeffsource,target,type,value\nIron ore,Smelter X,Iron ore,1\n")
    with pytest.raises(ValueError, match="Smelter X"):
        steel_flows_frame(tmp_path / real_data.STEEL_FILE)
    monkeypatch.delenv(real_data.REAL_DATA_ENV)
    beside = Path(real_data.__file__).resolve().parents[2] / "shared" / "data" / "real"
    if beside.is_dir():
        assert real_data_dir() == beside
    else:  # a fresh clone in a temporary folder: beside the checkout it was cloned from
        assert real_data_dir().parts[-3:] == ("shared", "data", "real")
        assert (real_data_dir() / real_data.STEEL_FILE).is_file()


# --- the real Scotland household waste ----------------------------------------------------------


@pytest.fixture(scope="module")
def scotland_path() -> Path:
    return real_data_dir() / real_data.SCOTLAND_FILE


def test_scotland_members_are_the_32_council_areas(scotland_path: Path) -> None:
    members = scotland_members_frame(scotland_path)
    assert members.height == 32
    assert members.schema == MEMBERS.read_schema
    assert members["region"].n_unique() == 32
    assert members["member_id"].n_unique() == 32
    assert all(re.fullmatch(v.REGION_PATTERN, code) and code.startswith("GB-") for code in members["region"])
    assert all(re.fullmatch(MEMBER_ID_PATTERN, member_id) for member_id in members["member_id"])
    assert set(members["kind"]) == {"municipality"}
    lothian = members.filter(pl.col("name") == "West Lothian").row(0, named=True)
    assert (lothian["member_id"], lothian["region"]) == ("gb-west-lothian", "GB-WLN")


def test_scotland_flows_preserve_tonnes_and_merge_categories(scotland_path: Path) -> None:
    flows = scotland_flows_frame(scotland_path, years=[2019])
    assert flows.schema == FLOWS.read_schema
    assert set(flows["period"]) == {"2019"}
    assert flows.select(pl.struct(FLOWS.key).is_duplicated().any()).item() is False
    lothian = flows.filter(pl.col("member_id") == "gb-west-lothian")
    # 22 EWC-STAT categories become 18 materials, each with 3 management routes.
    assert lothian.height == 18 * 3
    # The 30 non-zero rows of West Lothian 2019 in the file (the other 36 are 0).
    total = (
        120 + 5 + 257 + 2291 + 191 + 124 + 4025 + 1 + 4 + 3892 + 26 + 2473 + 6687 + 16263 + 45
        + 22 + 4078 + 468 + 1916 + 2 + 8224 + 2071 + 25 + 5697 + 456 + 32 + 179 + 2652 + 11189 + 4029
    )  # fmt: skip
    assert total == 77444
    assert lothian["quantity"].cast(pl.Float64).sum() == total

    def recycled(material: str) -> str:
        row = lothian.filter((pl.col("material") == material) & (pl.col("target") == "Recycled")).row(0, named=True)
        assert (row["source_stage"], row["target_stage"], row["unit"]) == ("use", "recycling", "t")
        return str(row["quantity"])

    assert recycled("metals") == str(2291 + 191)  # mixed ferrous and non-ferrous + non-ferrous
    assert recycled("chemicals") == str(4 + 32)  # chemical wastes + used oils
    assert recycled("other") == str(0 + 26 + 0)  # combustion + discarded vehicles + health care
    assert recycled("paper") == "8224"
    landfilled = lothian.filter((pl.col("material") == "mixed.municipal") & (pl.col("target") == "Landfilled"))
    assert landfilled.select("target_stage", "quantity").row(0) == ("landfill", "6687")


def test_demo_with_scotland_adds_one_member_and_one_flows_file_per_council(tmp_path: Path) -> None:
    demo = generate_demo(tmp_path, include_scotland=True)
    scottish = demo.members.filter(pl.col("region").str.starts_with("GB-"))
    assert scottish.height == 32
    files = [file for file in demo.submissions if file.member_id.startswith("gb-")]
    assert len(files) == 32
    assert {file.dataset for file in files} == {"flows"}
    assert {file.member_id for file in files} == set(scottish["member_id"])
    fife = pl.read_csv(_file(demo, "gb-fife", "flows"), infer_schema=False)
    assert set(fife["period"]) == {str(year) for year in range(2011, 2020)}
    assert set(fife["region"]) == {"GB-FIF"}


def test_every_bloc_has_municipalities_and_some_send_waste_to_a_neighbouring_prefecture() -> None:
    municipalities = [member for member in DEMO_MEMBERS if member.role == "municipality"]
    per_bloc = Counter(PREFECTURE_TO_BLOC[member.region] for member in municipalities)
    assert set(per_bloc) == set(BLOC_CODES)
    assert min(per_bloc.values()) >= 4
    # Every prefecture has three municipalities or more, and their two largest do not dominate its people
    # (85 %, disclosure control's rule), so most prefectures' municipal waste can be published.
    people: dict[str, list[float]] = {}
    for member in municipalities:
        people.setdefault(member.region, []).append(member.scale)
    assert set(people) == set(PREFECTURE_TO_BLOC)
    assert all(len(counts) >= 3 for counts in people.values())
    dominated = [code for code, counts in people.items() if sum(sorted(counts)[-2:]) > 0.85 * sum(counts)]
    assert len(dominated) <= 5, dominated
    sent = [
        (member.region, destination)
        for member in municipalities
        for flow in year_flows(member, 2024, 0)
        if (destination := destination_of(member, flow, 2024)) is not None
    ]
    assert len(sent) >= 20
    assert all(destination in neighbours(origin) and destination != origin for origin, destination in sent)
    assert len({PREFECTURE_TO_BLOC[origin] for origin, _ in sent}) >= 6
