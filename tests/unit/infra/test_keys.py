from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.storage.keys import (
    InboxKey,
    area_prefix,
    check_key,
    inbox_key,
    parse_inbox_key,
    quarantine_key,
    report_key,
)

MEMBER = "city-kitakyushu"


def test_inbox_key_round_trips_through_parse() -> None:
    key = inbox_key(MEMBER, "flows", "令和6年度_フロー.xlsx")

    assert key == "inbox/city-kitakyushu/flows/令和6年度_フロー.xlsx"
    assert parse_inbox_key(key) == InboxKey(MEMBER, "flows", "令和6年度_フロー.xlsx")
    assert parse_inbox_key(key).key == key


def test_quarantine_and_report_keys_follow_the_layout() -> None:
    assert quarantine_key(MEMBER, "targets", "s1") == "quarantine/city-kitakyushu/targets/s1.parquet"
    assert report_key(MEMBER, "progress", "s1", extension="html") == "reports/city-kitakyushu/progress/s1.html"
    assert report_key(MEMBER, "progress", "s1", extension="json") == "reports/city-kitakyushu/progress/s1.json"
    assert area_prefix("inbox", MEMBER, "flows") == "inbox/city-kitakyushu/flows/"


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("inbox/../../etc/passwd", "'..' segment"),
        ("..", "'..' segment"),
        ("inbox/city-kitakyushu/flows/..", "'..' segment"),
        ("/etc/passwd", "absolute path"),
        ("a\\b", "backslash"),
        ("inbox/city-kitakyushu/flows/evil\u202etxt.csv", "right-to-left override"),
        ("inbox\uff0fcity-kitakyushu/flows/a.csv", "U+FF0F"),  # full-width solidus
        ("inbox/city-kitakyushu/flows/a\u2044b.csv", "fraction slash"),
        ("inbox/city-kitakyushu/flows/a\u2215b.csv", "division slash"),
        ("inbox/city-kitakyushu/flows/\uff0e\uff0e", "U+FF0E"),  # full-width dots
        ("inbox/city-kitakyushu/flows/\u2025", "U+2025"),  # two-dot leader, NFKC '..'
        ("inbox/city-kitakyushu/flows/ｱ.csv", "U+FF71"),  # half-width katakana
        ("inbox//flows/a.csv", "empty segment"),
        ("inbox/city-kitakyushu/", "empty segment"),
        ("inbox/./a.csv", "'.' segment"),
        ("inbox/a\x00b", "control character"),
        ("inbox/a\nb", "control character"),
        ("inbox/a\u200db", "invisible formatting"),
        ("inbox/ a.csv", "white space"),
        ("C:/windows/system32", "drive letter"),
        ("", "empty"),
        ("a/" + "x" * 300, "longer than 255 bytes"),
    ],
)
def test_check_key_rejects_unsafe_keys(key: str, reason: str) -> None:
    with pytest.raises(ValueError, match="unsafe storage key") as raised:
        check_key(key)
    assert reason in str(raised.value)


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("inbox/city-kitakyushu/flows/sub/a.csv", "directly in inbox/<member_id>/<dataset>/"),
        ("reports/city-kitakyushu/flows/a.csv", "not an inbox file"),
        ("inbox/City_Kitakyushu/flows/a.csv", "member_id 'City_Kitakyushu'"),
        ("inbox/city-kitakyushu/stocks/a.csv", "unknown dataset 'stocks'"),
        ("inbox/city-kitakyushu/flows/../../../etc/passwd", "'..' segment"),
    ],
)
def test_parse_inbox_key_rejects_keys_outside_a_member_dataset(key: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)):
        parse_inbox_key(key)


def test_builders_refuse_names_that_escape_their_prefix() -> None:
    with pytest.raises(ValueError, match="cannot contain '/'"):
        inbox_key(MEMBER, "flows", "../x.csv")
    with pytest.raises(ValueError, match="submission id"):
        quarantine_key(MEMBER, "flows", "../s1")
    with pytest.raises(ValueError, match="member_id"):
        report_key("../other", "flows", "s1", extension="html")


@given(st.text(min_size=1, max_size=40))
def test_any_accepted_key_stays_inside_the_root(key: str) -> None:
    root = Path("/srv/junkan")
    try:
        check_key(key)
    except ValueError:
        return
    resolved = os.path.normpath(root / key)
    assert resolved.startswith(f"{root}/")
    assert os.path.normpath(key) == key


@pytest.mark.parametrize(
    "name",
    [
        "報告書（令和6年度）プラスチック.csv",  # full-width brackets
        "令和6年度 実績.xlsx",  # a space
        "令和6年度　実績.xlsx",  # an ideographic (full-width) space
        "ａｂｃ１２３.csv",  # full-width letters and digits
        "進捗率 50%.csv",
        "ﾌﾟﾗｽﾁｯｸ.csv",  # half-width katakana
        "北九州市環境局循環社会推進部循環社会計画課" * 4 + "（令和6年度）プラスチック製容器包装の分別収集実績.xlsx",
    ],
)
def test_ordinary_japanese_file_names_map_to_a_safe_key_and_back(name: str) -> None:
    key = inbox_key(MEMBER, "flows", name)

    assert check_key(key) == key  # plain and NFKC-stable
    segment = key.rsplit("/", 1)[1]
    assert len(segment.encode("utf-8")) <= 255
    parsed = parse_inbox_key(key)
    assert (parsed.member_id, parsed.dataset) == (MEMBER, "flows")
    if len(name.encode("utf-8")) < 200:
        assert parsed.file_name == name  # the report shows the member's own name
    else:  # too long for one path segment: its start, a hash of the whole name, its extension
        assert parsed.file_name.startswith("北九州市環境局")
        assert re.search(r"~[0-9a-f]{8}\.xlsx$", parsed.file_name)


def test_full_width_brackets_are_escaped_not_dropped() -> None:
    assert inbox_key(MEMBER, "flows", "報告書（令和6年度）.csv") == (
        "inbox/city-kitakyushu/flows/報告書%EF%BC%88令和6年度%EF%BC%89.csv"
    )
    # two names that NFKC would make one stay two keys
    assert inbox_key(MEMBER, "flows", "a(1).csv") != inbox_key(MEMBER, "flows", "a（1）.csv")


def test_two_long_names_with_the_same_start_get_different_keys() -> None:
    start = "長い名前" * 30
    assert inbox_key(MEMBER, "flows", start + "A.csv") != inbox_key(MEMBER, "flows", start + "B.csv")
