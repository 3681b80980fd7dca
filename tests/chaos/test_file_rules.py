"""Which file wins, on real servers: the same key A, A′, A; a year split across files; a corrected copy.

Issue 11 point 4: a member's data is the sum of its live files. The chaos table still shows lost 0 and
duplicated 0 after each sequence.
"""

from __future__ import annotations

from tests.chaos.conftest import (
    FLOWS_PER_PERIOD,
    HEADER,
    ChaosRecord,
    FlowsFile,
    Installation,
    assert_recovered,
    check_invariants,
    flows_file,
)


def _core_total(installation: Installation) -> tuple[float, set[str]]:
    resources = installation.resources()
    try:
        core = resources.warehouse.read("core.flows")
    finally:
        resources.close()
    return core.get_column("quantity_t").sum(), set(core.get_column("submission_id"))


def _ids_by_key(installation: Installation) -> dict[str, list[tuple[str, str]]]:
    resources = installation.resources()
    try:
        found: dict[str, list[tuple[str, str]]] = {}
        for s in resources.ledger.submissions(dataset="flows"):
            found.setdefault(s.key, []).append((s.submission_id, str(s.status)))
        return found
    finally:
        resources.close()


def test_the_same_key_uploaded_a_then_a_prime_then_a_again_publishes_a(
    installation: Installation, chaos_record: ChaosRecord
) -> None:
    a = flows_file("city-a", periods=("FY2024",))
    a_prime = flows_file("city-a", periods=("FY2024",), scale=3)
    for made in (a, a_prime, a):
        installation.junkan("driver", "ingest", installation.upload("city-a.csv", made))
        chaos_record.faults += 1

    total, ids = _core_total(installation)
    assert total == sum(q for *_, q in FLOWS_PER_PERIOD)  # A's figures, not A′'s
    [(a_id, a_status), (_, a_prime_status)] = sorted(_ids_by_key(installation)["inbox/city-a/flows/city-a.csv"])
    assert ids == {a_id}
    assert (a_status, a_prime_status) == ("published", "superseded")
    found = check_invariants(installation, {"city-a": 5})
    chaos_record.invariants = found
    assert_recovered(found)
    chaos_record.recovered += 1


def _part(member_id: str, rows: range) -> FlowsFile:
    lines = [HEADER] + [
        f"{member_id},FY2024,{m},{s},{t},{q},t" for m, s, t, q in FLOWS_PER_PERIOD[rows.start : rows.stop]
    ]
    return FlowsFile(member_id, "\n".join(lines) + "\n", len(rows), len(rows), ("FY2024",))


def test_three_files_splitting_one_members_year_all_count(
    installation: Installation, chaos_record: ChaosRecord
) -> None:
    parts = {"工場A.csv": range(0, 2), "工場B.csv": range(2, 4), "工場C.csv": range(4, 5)}
    for name, rows in parts.items():
        installation.junkan("driver", "ingest", installation.upload(name, _part("city-a", rows)))
        chaos_record.faults += 1

    total, ids = _core_total(installation)
    assert total == sum(q for *_, q in FLOWS_PER_PERIOD)
    assert len(ids) == 3
    found = check_invariants(installation, {"city-a": 5})
    chaos_record.invariants = found
    assert_recovered(found)
    chaos_record.recovered += 1


def test_a_corrected_copy_under_a_new_name_is_the_only_one_counted(
    installation: Installation, chaos_record: ChaosRecord
) -> None:
    installation.junkan(
        "driver", "ingest", installation.upload("報告書.csv", flows_file("city-a", periods=("FY2024",)))
    )
    corrected = flows_file("city-a", periods=("FY2024",), scale=2)
    installation.junkan("driver", "ingest", installation.upload("報告書_修正版.csv", corrected))
    chaos_record.faults += 1

    total, ids = _core_total(installation)
    assert total == 2 * sum(q for *_, q in FLOWS_PER_PERIOD)
    assert len(ids) == 1
    found = check_invariants(installation, {"city-a": 5})
    chaos_record.invariants = found
    assert_recovered(found)
    chaos_record.recovered += 1
