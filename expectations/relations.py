"""How a member's file stands to the member's other files of the same dataset, as its report says it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class FileRelation:
    """How this file stands to another file of the member for the same dataset.

    `relation` is `replaces` (an older file this one replaced), `replaced_by` (a newer file that replaced this
    one: its rows do not count) or `adds_to` (a live file whose rows this one's add to). `same_key` says the
    other file was uploaded under the same name; `shared_rows` how many row keys the two files share (None when
    an earlier, interrupted attempt had already taken the other file's rows out).
    """

    relation: Literal["replaces", "replaced_by", "adds_to"]
    submission_id: str
    file_name: str
    same_key: bool = False
    shared_rows: int | None = 0

    @property
    def reason_en(self) -> str:
        """Why, in English."""
        if self.relation == "adds_to":
            return "no row keys in common: both files count"
        if self.same_key:
            return "uploaded under the same name"
        if self.shared_rows is None:
            return "it shares row keys with it"
        return f"{self.shared_rows} row key{'s' if self.shared_rows != 1 else ''} in common (a corrected copy)"

    @property
    def reason_ja(self) -> str:
        """Why, in Japanese."""
        if self.relation == "adds_to":
            return "共通の行キーがないため、両方のファイルを集計します"
        if self.same_key:
            return "同じファイル名で提出されたため"
        if self.shared_rows is None:
            return "行キーが共通するため"
        return f"共通の行キーが{self.shared_rows}件あるため（修正版とみなします）"

    def to_json(self) -> dict[str, Any]:
        """Stable keys for machines."""
        return {
            "relation": self.relation,
            "submission_id": self.submission_id,
            "file_name": self.file_name,
            "same_key": self.same_key,
            "shared_rows": self.shared_rows,
            "reason_en": self.reason_en,
            "reason_ja": self.reason_ja,
        }
