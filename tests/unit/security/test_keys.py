"""Hostile keys and file names never reach outside a member's prefix or JUNKAN_HOME; they are refused and recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from flows.stages.receive import register_keys, unseen_inbox_keys
from flows.stages.summary import RunSummary
from infra.ledger import Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys
from infra.storage.local import LocalStorage

HOSTILE_KEYS = {
    "dot-dot file": "inbox/city-a/flows/..",
    "traversal": "inbox/city-a/flows/../../../../etc/passwd",
    "traversal to another member": "inbox/city-a/../corp-b/flows/a.csv",
    "absolute": "/inbox/city-a/flows/a.csv",
    "absolute etc": "/etc/passwd",
    "backslash": "inbox/city-a/flows/..\\..\\..\\x.csv",
    "windows drive": "C:/inbox/city-a/flows/a.csv",
    "nul": "inbox/city-a/flows/a\x00.csv",
    "newline": "inbox/city-a/flows/a\n.csv",
    "escape sequence": "inbox/city-a/flows/\x1b[31ma.csv",
    "right-to-left override": "inbox/city-a/flows/report\u202ecsv.exe",
    "zero-width joiner": "inbox/city-a/flows/a\u200d.csv",
    "fraction slash": "inbox/city-a/flows/..\u2044..\u2044x.csv",
    "division slash": "inbox/city-a/flows/a\u2215b.csv",
    "full-width dots": "inbox/city-a/flows/\uff0e\uff0e",
    "full-width solidus": "inbox/city-a/flows/a\uff0fb.csv",
    "line separator": "inbox/city-a/flows/a\u2028.csv",
    "trailing space": "inbox/city-a/flows/a.csv ",
    "empty segment": "inbox/city-a//flows/a.csv",
    "too deep": "inbox/city-a/flows/sub/a.csv",
    "outside inbox": "reports/city-a/flows/a.csv",
    "over-long": "inbox/city-a/flows/" + "a" * 300 + ".csv",
}
# Keys storage itself refuses; the other two are safe keys that are merely not inbox files.
UNSAFE_KEYS = {name: key for name, key in HOSTILE_KEYS.items() if name not in ("too deep", "outside inbox")}


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=tmp_path / "home"))
    for member_id in ("city-a", "corp-b"):
        built.ledger.add_member(
            Member(member_id=member_id, name=member_id, kind="company", region="JP-40", joined_on=date(2023, 4, 1))
        )
    yield built
    built.close()


def files_under(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


def test_each_hostile_key_is_refused_and_recorded_never_read(resources: Resources) -> None:
    for key in HOSTILE_KEYS.values():
        summary = RunSummary()
        waiting = register_keys(resources, [key], summary)
        assert waiting == [], key
        assert list(summary.refused_keys) == [key]
        reason = summary.refused_keys[key]
        assert any(why in reason for why in ("unsafe storage key", "not an inbox file")), (key, reason)
        assert summary.as_dict()["refused_keys"] == {key: reason}  # what the run record in the ledger keeps
    assert resources.ledger.submissions() == []


def test_valid_and_hostile_keys_in_one_run_only_the_hostile_refused(resources: Resources, tmp_path: Path) -> None:
    good = keys.inbox_key("city-a", "flows", "2024.csv")
    source = tmp_path / "2024.csv"
    source.write_text("member_id\n", encoding="utf-8")
    resources.storage.put_file(good, source)
    summary = RunSummary()
    waiting = register_keys(resources, [*HOSTILE_KEYS.values(), good], summary)
    assert len(waiting) == 1
    assert set(summary.refused_keys) == set(HOSTILE_KEYS.values())
    [submission] = resources.ledger.submissions()
    assert submission.key == good


@pytest.mark.parametrize("key", UNSAFE_KEYS.values(), ids=UNSAFE_KEYS.keys())
def test_storage_refuses_to_write_or_read_unsafe_keys(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path / "home")
    before = files_under(tmp_path)
    with pytest.raises(ValueError, match="unsafe storage key"):
        storage.put_bytes(key, b"pwned")
    with pytest.raises(ValueError, match="unsafe storage key"):
        storage.open(key)
    assert files_under(tmp_path) == before


@pytest.mark.parametrize(
    "file_name",
    [
        "../a.csv",
        "a/b.csv",
        "..",
        "a\\..\\b.csv",
        "a\u202e.csv",
        "",
        "a\x00.csv",
        "a\uff0fb.csv",  # full-width solidus: NFKC makes it '/'
        "a\uff3cb.csv",  # full-width reverse solidus
        "a\u2215b.csv",  # division slash
        "a\u2044b.csv",  # fraction slash
        "\uff0e\uff0e",  # full-width '..'
        "\u2025",  # two-dot leader, NFKC '..'
        "a\nb.csv",
        " a.csv",
    ],
)
def test_member_file_names_cannot_leave_their_inbox(file_name: str) -> None:
    with pytest.raises(ValueError, match="unsafe storage key|file name"):
        keys.inbox_key("city-a", "flows", file_name)


def test_symlink_inside_the_inbox_cannot_lead_outside_home(resources: Resources, tmp_path: Path) -> None:
    secret = tmp_path / "outside.csv"
    secret.write_text("member_id\nsecret\n", encoding="utf-8")
    key = keys.inbox_key("city-a", "flows", "link.csv")
    assert isinstance(resources.storage, LocalStorage)
    link = resources.storage.path(key)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(secret)
    with pytest.raises(ValueError, match="outside"):
        resources.storage.open(key)
    assert [info.key for info in resources.storage.list("inbox/")] == []
    assert unseen_inbox_keys(resources) == []


def test_member_prefixes_are_separate() -> None:
    assert keys.area_prefix("inbox", "city-a") == "inbox/city-a/"
    assert not keys.inbox_key("city-ab", "flows", "a.csv").startswith(keys.area_prefix("inbox", "city-a"))
    for member_id in ("../corp-b", "city-a/../corp-b", "CITY-A", "city-a/", ""):
        with pytest.raises(ValueError, match="member_id"):
            keys.check_member_id(member_id)
