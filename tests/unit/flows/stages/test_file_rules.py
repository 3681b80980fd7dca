"""Which file wins: a member's data is the sum of its live files (issue 11 point 4), on the embedded default."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta

import polars as pl
from openpyxl import Workbook

from flows.stages.batch import validate_submissions
from flows.stages.judge import judge
from flows.stages.publish import publish_period, take_out_withdrawn, unpublished_submissions
from flows.stages.receive import register_keys, withdraw_deleted
from flows.stages.record import write_core
from flows.stages.replacing import plan_files, row_keys, shared_rows
from flows.stages.summary import RunSummary
from infra.ledger import Submission
from infra.resources import Resources
from schemas import CONTRACTS
from schemas.outcomes import SubmissionStatus
from schemas.tables import TABLES
from tests.factories import make_progress
from tests.unit.flows.stages.test_batch import HEADER, ingest, resources, upload
from transforms.targets import compute_target_progress

__all__ = ["resources"]  # the fixture, shared with test_batch


def _rows(*lines: str) -> str:
    return "\n".join([HEADER, *lines])


def _core(resources: Resources) -> list[tuple[str, str, str, float]]:
    core = resources.warehouse.read("core.flows", where={"member_id": ["city-a"]})
    return sorted(core.select("period", "material", "source_stage", "quantity_t").rows())


def _report(resources: Resources, report_key: str) -> dict:  # type: ignore[type-arg]
    return json.loads(resources.storage.get_bytes(report_key.replace(".html", ".json")))


def test_a_corrected_copy_under_a_new_name_replaces_the_whole_older_file(resources: Resources, tmp_path) -> None:
    original = _rows("city-a,FY2024,paper,use,collection,10,t", "city-a,FY2024,paper,collection,recycling,4,t")
    [first] = ingest(resources, [upload(resources, tmp_path, "city-a", "flows", "報告書.csv", original)])
    corrected = _rows("city-a,FY2024,paper,use,collection,12,t", "city-a,FY2024,paper,collection,recycling,4,t")
    [second] = ingest(resources, [upload(resources, tmp_path, "city-a", "flows", "報告書_修正版.csv", corrected)])

    assert _core(resources) == [("FY2024", "paper", "collection", 4.0), ("FY2024", "paper", "use", 12.0)]
    assert resources.ledger.get_submission(first.submission_id).status == "superseded"  # type: ignore[union-attr]
    [relation] = _report(resources, second.report_key)["relations"]
    assert (relation["relation"], relation["file_name"], relation["shared_rows"]) == ("replaces", "報告書.csv", 2)
    html = resources.storage.get_bytes(second.report_key).decode("utf-8")
    assert "「報告書.csv」を置き換えました" in html
    assert "共通の行キーが2件" in html


def test_a_year_split_across_files_counts_every_file(resources: Resources, tmp_path) -> None:
    plants = {
        "工場A.csv": "city-a,FY2024,paper,use,collection,10,t",
        "工場B.csv": "city-a,FY2024,plastics.pet,use,collection,20,t",
        "工場C.csv": "city-a,FY2024,metals.steel,use,collection,30,t",
    }
    outcomes = [
        ingest(resources, [upload(resources, tmp_path, "city-a", "flows", n, _rows(r))])[0] for n, r in plants.items()
    ]

    assert [o.status for o in outcomes] == ["valid"] * 3
    assert sum(row[3] for row in _core(resources)) == 60.0
    last = _report(resources, outcomes[-1].report_key)["relations"]
    assert [(r["relation"], r["file_name"]) for r in last] == [("adds_to", "工場A.csv"), ("adds_to", "工場B.csv")]


def test_a_new_version_under_the_same_name_replaces_the_old_whatever_its_rows(resources: Resources, tmp_path) -> None:
    [old] = ingest(
        resources,
        [upload(resources, tmp_path, "city-a", "flows", "a.csv", _rows("city-a,FY2024,paper,use,collection,1,t"))],
    )
    [new] = ingest(
        resources,
        [upload(resources, tmp_path, "city-a", "flows", "a.csv", _rows("city-a,FY2023,glass,use,collection,2,t"))],
    )

    assert _core(resources) == [("FY2023", "glass", "use", 2.0)]
    [relation] = _report(resources, new.report_key)["relations"]
    assert (relation["relation"], relation["same_key"]) == ("replaces", True)
    # FY2024 lost its only file: it is republished too, and the old file's period is among those to publish.
    assert {p for s in unpublished_submissions(resources) for p in s.periods} == {"FY2023", "FY2024"}
    publish_period(resources, "FY2024")
    assert resources.warehouse.read("draft.flows").filter(pl.col("period") == "FY2024").height == 0
    assert resources.ledger.get_submission(old.submission_id).superseded_by == new.submission_id  # type: ignore[union-attr]


def test_the_same_key_uploaded_a_then_a_prime_then_a_again_ends_with_a(resources: Resources, tmp_path) -> None:
    text_a = _rows("city-a,FY2024,paper,use,collection,1,t")
    text_a_prime = _rows("city-a,FY2024,paper,use,collection,2,t", "city-a,FY2024,glass,use,collection,3,t")
    for text in (text_a, text_a_prime, text_a):
        ingest(resources, [upload(resources, tmp_path, "city-a", "flows", "a.csv", text)])
    assert _core(resources) == [("FY2024", "paper", "use", 1.0)]


def test_a_later_file_of_the_same_batch_replaces_an_earlier_one_it_shares_rows_with(
    resources: Resources, tmp_path
) -> None:
    first = upload(resources, tmp_path, "city-a", "flows", "v1.csv", _rows("city-a,FY2024,paper,use,collection,1,t"))
    second = upload(resources, tmp_path, "city-a", "flows", "v2.csv", _rows("city-a,FY2024,paper,use,collection,5,t"))
    third = upload(resources, tmp_path, "city-a", "flows", "glass.csv", _rows("city-a,FY2024,glass,use,collection,7,t"))
    outcomes = {o.key: o for o in ingest(resources, [first, second, third])}

    assert _core(resources) == [("FY2024", "glass", "use", 7.0), ("FY2024", "paper", "use", 5.0)]
    assert outcomes[first].status == "superseded"
    assert [r["relation"] for r in _report(resources, outcomes[first].report_key)["relations"]] == ["replaced_by"]
    assert (
        resources.ledger.get_submission(outcomes[first].submission_id).superseded_by == outcomes[second].submission_id
    )  # type: ignore[union-attr]


def test_a_file_with_no_accepted_rows_leaves_the_members_data_alone(resources: Resources, tmp_path) -> None:
    ingest(
        resources,
        [upload(resources, tmp_path, "city-a", "flows", "a.csv", _rows("city-a,FY2024,paper,use,collection,1,t"))],
    )
    [empty] = ingest(resources, [upload(resources, tmp_path, "city-a", "flows", "a.csv", HEADER)])
    [bad] = ingest(
        resources,
        [upload(resources, tmp_path, "city-a", "flows", "a.csv", _rows("city-a,FY2024,paper,use,collection,lots,t"))],
    )

    assert _core(resources) == [("FY2024", "paper", "use", 1.0)]
    assert _report(resources, empty.report_key)["relations"] == []
    assert bad.status == "rejected"


def test_workbook_corrections_follow_the_same_rule(resources: Resources, tmp_path) -> None:
    def workbook(name: str, quantity: float) -> str:
        book = Workbook()
        sheet = book.active
        sheet.title = "報告"
        sheet.append(["会員ID", "期間", "品目", "投入元工程", "投入先工程", "数量", "単位"])
        sheet.append(["city-a", "令和6年度", "paper", "use", "collection", quantity, "t"])
        path = tmp_path / name
        book.save(path)
        key = f"inbox/city-a/flows/{name}"
        resources.storage.put_file(key, path)
        return key

    ingest(resources, [workbook("report.xlsx", 10)])
    [corrected] = ingest(resources, [workbook("report_v2.xlsx", 11)])
    assert _core(resources) == [("FY2024", "paper", "use", 11.0)]
    assert [r["relation"] for r in _report(resources, corrected.report_key)["relations"]] == ["replaces"]


def _submission(submission_id: str, key: str, minutes: int, *, superseded_by: str | None = None) -> Submission:
    return Submission(
        submission_id=submission_id,
        member_id="city-m",
        dataset="flows",
        key=f"inbox/city-m/flows/{key}",
        sha256="0" * 64,
        size=1,
        source="inbox",
        received_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes),
        status=SubmissionStatus.VALID if superseded_by is None else SubmissionStatus.SUPERSEDED,
        superseded_by=superseded_by,
    )


def test_a_file_validated_after_a_newer_one_sharing_its_rows_is_replaced_by_it() -> None:
    older, newer = _submission("s1", "a.csv", 0), _submission("s2", "a_v2.csv", 5)
    plans = plan_files([older], with_rows={"s1"}, files=[newer], shared={("s1", "s2"): 1, ("s2", "s1"): 1})
    assert plans["s1"].replaced_by == "s2"
    assert plans["s1"].replaces == ()


def test_a_second_attempt_replaces_what_the_first_had_already_taken_out() -> None:
    this, gone = _submission("s2", "b.csv", 5), _submission("s1", "a.csv", 0, superseded_by="s2")
    plans = plan_files([this], with_rows={"s2"}, files=[gone], shared={})
    [relation] = plans["s2"].relations
    assert (relation.relation, relation.submission_id, relation.shared_rows) == ("replaces", "s1", None)


def test_shared_rows_count_row_keys_not_quantities() -> None:
    rows = pl.DataFrame(
        {
            "submission_id": ["s1", "s1", "s2", "s3"],
            "member_id": ["city-m", "city-m", "city-m", "city-n"],
            "period": ["FY2024"] * 4,
            "material": ["paper", "glass", "paper", "paper"],
            "product_category": [None] * 4,
            "source_stage": ["use"] * 4,
            "target_stage": ["collection"] * 4,
            "source": [None] * 4,
            "target": [None] * 4,
            "region": ["JP-13"] * 4,
            "origin_region": ["JP-13"] * 4,
            "destination_region": ["JP-13"] * 4,
            "quantity_t": [1.0, 2.0, 9.0, 1.0],
        }
    )
    shared = shared_rows(row_keys("flows", rows.lazy()).collect())
    assert shared == {("s1", "s2"): 1, ("s2", "s1"): 1}  # s3 is another member's


def test_arrival_order_not_name_decides() -> None:
    later_named_first = _submission("s2", "a.csv", 10)
    earlier = _submission("s1", "z.csv", 0)
    plans = plan_files(
        [earlier, later_named_first], with_rows={"s1", "s2"}, files=[], shared={("s2", "s1"): 1, ("s1", "s2"): 1}
    )
    assert plans["s1"].replaced_by == "s2"
    assert plans["s2"].replaces == ("s1",)


def test_a_run_that_died_after_writing_core_is_redone_to_the_same_end(resources: Resources, tmp_path) -> None:
    ingest(
        resources,
        [upload(resources, tmp_path, "city-a", "flows", "a.csv", _rows("city-a,FY2024,paper,use,collection,1,t"))],
    )
    key = upload(resources, tmp_path, "city-a", "flows", "a_v2.csv", _rows("city-a,FY2024,paper,use,collection,2,t"))
    waiting = register_keys(resources, [key], RunSummary())
    batch = resources.ledger.get_submissions(waiting)
    write_core(resources, "flows", judge(resources, CONTRACTS["flows"], batch))  # then the process died

    [outcome] = validate_submissions(resources, [s.submission_id for s in resources.ledger.pending_submissions()])
    assert _core(resources) == [("FY2024", "paper", "use", 2.0)]
    [relation] = _report(resources, outcome.report_key)["relations"]
    assert (relation["relation"], relation["file_name"]) == ("replaces", "a.csv")


def _finish_run(resources: Resources) -> None:
    """What a run does after validating: take withdrawn rows out, republish the periods, mark them done."""
    unfinished = unpublished_submissions(resources)
    take_out_withdrawn(resources, unfinished)
    for period in sorted({p for s in unfinished if s.dataset == "flows" for p in s.periods}):
        publish_period(resources, period)
    resources.ledger.mark_published([s.submission_id for s in unfinished])


def test_a_file_deleted_from_the_inbox_is_withdrawn_and_its_periods_republished(resources: Resources, tmp_path) -> None:
    kept = upload(resources, tmp_path, "city-a", "flows", "工場A.csv", _rows("city-a,FY2024,paper,use,collection,10,t"))
    gone = upload(resources, tmp_path, "city-a", "flows", "工場B.csv", _rows("city-a,FY2023,glass,use,collection,5,t"))
    ingest(resources, [kept, gone])
    _finish_run(resources)
    assert resources.warehouse.read("draft.flows").filter(pl.col("period") == "FY2023").height > 0

    (resources.settings.resolved_home / gone).unlink()  # the member deletes the file
    [withdrawn] = withdraw_deleted(resources)
    assert withdrawn.key == gone
    _finish_run(resources)

    assert _core(resources) == [("FY2024", "paper", "use", 10.0)]
    assert resources.warehouse.read("draft.flows").filter(pl.col("period") == "FY2023").height == 0
    assert resources.ledger.get_submission(withdrawn.submission_id).status == "withdrawn"  # type: ignore[union-attr]
    assert withdraw_deleted(resources) == []  # once only


def test_withdrawn_content_uploaded_again_counts_again(resources: Resources, tmp_path) -> None:
    text = _rows("city-a,FY2024,paper,use,collection,10,t")
    [first] = ingest(resources, [upload(resources, tmp_path, "city-a", "flows", "a.csv", text)])
    resources.ledger.withdraw([first.submission_id], message="operator")
    _finish_run(resources)
    assert _core(resources) == []

    [again] = ingest(resources, [upload(resources, tmp_path, "city-a", "flows", "a.csv", text)])
    assert again.submission_id == first.submission_id
    assert _core(resources) == [("FY2024", "paper", "use", 10.0)]


TARGETS_HEADER = "member_id,target_id,indicator,baseline_year,baseline_value,target_year,target_value,unit"


def _submit_on(resources: Resources, tmp_path, name: str, text: str, day: datetime) -> str:
    key = upload(resources, tmp_path, "city-a", "targets", name, text)
    data = text.encode("utf-8")
    submission, _ = resources.ledger.register_submission(
        member_id="city-a",
        dataset="targets",
        key=key,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        received_at=day,
    )
    return submission.submission_id


def test_targets_keep_their_history_and_progress_uses_the_version_in_force(resources: Resources, tmp_path) -> None:
    both = f"{TARGETS_HEADER}\ncity-a,T1,final_disposal,2020,100,2030,50,t\ncity-a,T2,final_disposal,2020,40,2030,20,t"
    first = _submit_on(resources, tmp_path, "targets-2024.csv", both, datetime(2024, 5, 1, tzinfo=UTC))
    validate_submissions(resources, [first])
    changed = f"{TARGETS_HEADER}\ncity-a,T1,final_disposal,2020,100,2030,45,t"  # T1 made stricter; T2 unsaid
    second = _submit_on(resources, tmp_path, "targets-2026.csv", changed, datetime(2026, 5, 1, tzinfo=UTC))
    validate_submissions(resources, [second])

    core = resources.warehouse.read("core.targets").sort("target_id", "valid_from")
    assert core.select("target_id", "target_value", "valid_from", "submission_id").rows() == [
        ("T1", 50.0, date(2024, 5, 1), first),
        ("T1", 45.0, date(2026, 5, 1), second),
        ("T2", 20.0, date(2024, 5, 1), first),  # T2 stays: the member did not withdraw it
    ]
    progress = make_progress(rows=[{"member_id": "city-a", "target_id": "T1", "year": 2025, "value": 80.0}])
    empty = pl.LazyFrame(schema=TABLES["core.member_indicators"])
    out = compute_target_progress(core.lazy(), progress.lazy(), empty).collect()
    # one row per version measured against (and the current one): the 2025 progress is on version 1's row
    [in_force] = out.filter(pl.col("target_id") == "T1", pl.col("latest_year") == 2025).get_column("target_value")
    assert in_force == 50.0  # 2025 is before the change took effect in 2026

    resources.ledger.withdraw([second], message="sent by mistake")
    take_out_withdrawn(resources, unpublished_submissions(resources))
    kept = resources.warehouse.read("core.targets").select("target_id", "target_value").sort("target_id").rows()
    assert kept == [("T1", 50.0), ("T2", 20.0)]  # withdrawing the change brings the earlier version back
