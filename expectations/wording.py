"""The bilingual wording of a row's problem when the check's own message is not enough: it quotes what was sent.

A number that is not one, a member id nobody registered: each message names the value and says what to write
instead.
"""

from __future__ import annotations

from collections.abc import Sequence


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
