"""The bilingual wording of a row's problem when the check's own message is not enough: it quotes what was sent.

A number that is not one, a member id nobody registered, a code that is none of the allowed ones (with the
codes closest to it): each message names the value and says what to write instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemas.codes import CodeReader, code_reader
from schemas.contract import Check, Contract

APPENDIX_EN = "Every allowed code, with its Japanese and English names, is listed in the appendix of this report"
APPENDIX_JA = "使えるコードと日本語・英語の名称の一覧は、このレポートの付録にあります"


def not_allowed(
    column: str, value: str, reader: CodeReader, check: Check, *, custom: bool, group: bool
) -> tuple[str, str]:
    """The message for a code that is none of the allowed ones: did you mean the closest, see the appendix.

    `custom`: the check's own message says what to write and where every spelling is listed (units); `group`:
    the code's group is what is unknown (an unknown leaf of a known material group is only rolled up).
    """
    close = [reader.describe(code) for code in reader.close_codes(value)]
    if custom:
        if not close:
            return check.message_en, check.message_ja
        return (
            f"{check.message_en}; did you mean {' or '.join(close)}?",
            f"{check.message_ja}。{'・'.join(close)} の誤りではありませんか",
        )
    if group:
        said_en = f"{column} {value!r} is not in a known {column} group"
        said_ja = f"{column} の {value!r} は登録されているグループに属しません"
    else:
        said_en = f"{column} {value!r} is not an allowed code"
        said_ja = f"{column} の {value!r} は使えるコードではありません"
    meant_en = f"; did you mean {' or '.join(close)}?" if close else "."
    meant_ja = f"。{'・'.join(close)} の誤りではありませんか。" if close else "。"
    return f"{said_en}{meant_en} {APPENDIX_EN}", f"{said_ja}{meant_ja}{APPENDIX_JA}"


@dataclass(frozen=True)
class VocabularyWording:
    """How a vocabulary check's failure is told: with the codes closest to what was written."""

    column: str  # the column the member wrote (material, for the check on its group)
    reader: CodeReader
    check: Check
    custom: bool  # the check's own message says what to write (units)
    group: bool  # the check is on the group derived from the column

    def message(self, value: str) -> tuple[str, str]:
        """The bilingual message for `value`, as written."""
        return not_allowed(self.column, value, self.reader, self.check, custom=self.custom, group=self.group)


def vocabulary_wordings(contract: Contract) -> dict[str, VocabularyWording]:
    """Each vocabulary check of the contract with how its failures are worded, by check id."""
    found = {}
    for column in contract.columns:
        source = contract.column(column.derived_from) if column.derived_from in contract.schema else column
        reader = code_reader(source)
        for check in column.checks:
            if check.kind == "in_set" and check.severity == "error" and reader is not None:
                custom = bool(column.vocabulary_message_en)
                found[check.id] = VocabularyWording(
                    source.name, reader, check, custom=custom, group=source is not column
                )
    return found


def not_a_number(column: str, value: str | None, *, whole: bool) -> tuple[str, str]:
    """The message for a number that was sent but cannot be read as one, quoting it."""
    if whole:
        return (
            f"{column} is not a whole number: {value!r}; write digits only (e.g. 2024)",
            f"{column} が整数ではありません: {value!r}。数字だけで記入してください（例: 2024）",
        )
    return (
        f"{column} is not a number: {value!r}; write digits only, without units, %, brackets or spaces inside "
        "(e.g. 1250.5 or 1,250.5)",
        f"{column} が数値ではありません: {value!r}。単位・%・括弧を付けず、数字だけで記入してください"
        "（例: 1250.5 または 1,250.5）",
    )


def not_registered(value: str | None, close: Sequence[str], *, submitter: str) -> tuple[str, str]:
    """The message for a member id that no member is registered under, offering the close registered ids."""
    if close:
        meant = " or ".join(repr(code) for code in close)
        meant_ja = "・".join(repr(code) for code in close)
        return (
            f"member_id {value!r} is not a registered member id; did you mean {meant}? "
            "Write the id exactly as registered (lower-case letters, digits, - and _)",
            f"member_id {value!r} は登録されている会員IDではありません。{meant_ja} の誤りではありませんか。"
            "登録どおりに記入してください（英小文字・数字・-・_）",
        )
    return (
        f"member_id {value!r} is not a registered member id; write the id of the member submitting the file "
        f"({submitter!r})",
        f"member_id {value!r} は登録されている会員IDではありません。"
        f"提出した会員のID（{submitter!r}）を記入してください",
    )
