"""Subtotals are not data: what marks a row of a member's file as a total, as the flows contract states it.

Offices build their files in Excel, where a 合計 or 小計 row under its items is second nature. junkan sums rows
itself, so such a row would count its items twice. A row is set aside (quarantined, with a message naming the row
and columns) when a text cell says it is a total, or when a material group's row equals the sum of its own
material rows of the same flow. `expectations/subtotals.py` judges it; this module is its contract.
"""

from __future__ import annotations

from schemas.contract import Rule

# Words a cell may hold alone (spaces, brackets and colons around or inside them do not matter): 【合計】, 合 計.
SUBTOTAL_WORDS: tuple[str, ...] = ("合計", "小計", "総計", "総合計", "計", "total", "subtotal", "grandtotal")
# Words that mark a label with a short qualifier before or after them: 合計（紙類）, 紙類 小計, 紙類合計. 計 alone
# is left out, since it ends ordinary words (推計 estimated, 集計, 会計, 設計) and starts others (計量器).
SUBTOTAL_LABEL_WORDS_JA: tuple[str, ...] = ("総合計", "合計", "小計", "総計")
SUBTOTAL_LABEL_WORDS_EN: tuple[str, ...] = ("grand total", "grand-total", "sub total", "sub-total", "subtotal", "total")
# The qualifier beside a Japanese word is short and no sentence: longer text (備考 "合計は別表のとおり") is free text.
MAX_QUALIFIER_CHARS = 12
# English words beside the label: "Total (paper)", "Paper total", "Subtotal: glass bottles".
MAX_QUALIFIER_WORDS = 2
# A group row whose quantity is within this share of the sum of its leaves is that sum (hand-typed decimals).
SUM_TOLERANCE = 1e-9
# A group row equal to one material row may be the rest of the group (PET 50 t, other plastics 50 t): a sum
# takes two. A subtotal of a single row is caught by its label.
MIN_SUMMED_ROWS = 2

SUBTOTAL_RULE = Rule(
    "flows.subtotal",
    "subtotal",
    ("material",),
    "the row is a subtotal or total, not data: a text cell says 合計, 小計, 計, 総計 or Total, or a material group's "
    "quantity equals the sum of two or more of its materials in the same flow (member, period, region, stages) of "
    "the file; junkan sums the rows itself, so the row is set aside and the rows it sums count",
    "小計・合計の行はデータではありません: 文字の欄が 合計・小計・計・総計・Total であるか、素材グループの数量が"
    "ファイル内の同じフロー（会員・期間・地域・工程）にある2つ以上の内訳素材の合計と一致します。junkan が集計する"
    "ため、この行は保留し、内訳の行を集計します",
)


def subtotal_section() -> list[str]:
    """The data dictionary's section on subtotal rows, in both languages."""
    words = ", ".join(f"`{word}`" for word in SUBTOTAL_WORDS)
    return [
        "## Subtotal rows / 小計・合計の行",
        "",
        "junkan adds rows up itself, so a subtotal or total row in a file would count its items twice. Such a row is "
        "set aside (quarantined) with a message naming the row and the column, and the rows it sums count; rows "
        "read = rows accepted + rows set aside still holds. A row is a subtotal when: / "
        "junkan は行を自ら集計するため、ファイル内の小計・合計の行はその内訳を二重に数えることになります。"
        "そのような行は、行と列を示すメッセージとともに保留し、内訳の行を集計します（読み込んだ行数 = 受理した"
        "行数 + 保留した行数 は変わりません）。次の場合に小計・合計の行とみなします。",
        "",
        f"1. a text cell (material, process names, quality, note 備考, …) is one of {words} on its own — spaces, "
        "brackets and colons around or inside it do not matter (`【合計】`, `合　計`, `Total:`) — or clearly a label: "
        f"合計, 小計, 総計 or 総合計 with a qualifier of at most {MAX_QUALIFIER_CHARS} characters and no sentence "
        "before or after it (`合計（紙類）`, `紙類 小計`, `紙類合計`), or Total / Subtotal / Grand total with at most "
        f"{MAX_QUALIFIER_WORDS} other words (`Total (paper)`, `Paper subtotal`). The word inside longer text is "
        "not a label (`計量器`, `推計`, `合計は別表のとおり`). / "
        f"文字の欄（素材・プロセス名・把握方法・備考 など）が {words} だけである場合（前後や間の空白・括弧・"
        "コロンは問いません: `【合計】`・`合　計`・`Total:`）、または明らかに見出しである場合: 合計・小計・総計・"
        f"総合計の前後に{MAX_QUALIFIER_CHARS}文字以内の語句（文ではないもの）が付いたもの（`合計（紙類）`・"
        "`紙類 小計`・`紙類合計`）、Total・Subtotal・Grand total に他の語が"
        f"{MAX_QUALIFIER_WORDS}語以内付いたもの（`Total (paper)`・`Paper subtotal`）。長い文中の語は見出しでは"
        "ありません（`計量器`・`推計`・`合計は別表のとおり`）。",
        "2. a row of a material group (`mixed`, `paper`) has the quantity, in tonnes, of the sum of two or more rows "
        "of its own materials (`paper.cardboard`, `paper.newspaper`) of the same flow — member, period, region, "
        "source and target stage — in the same file. A group row equal to a single material row is kept: it may "
        "be the rest of the group. / "
        "素材グループの行（`mixed`・`paper`）の数量（トン換算）が、同じファイル内の同じフロー（会員・期間・"
        "地域・出発工程・到着工程）にあるそのグループの2つ以上の内訳素材（`paper.cardboard`・"
        "`paper.newspaper`）の行の合計と一致する場合。内訳が1行だけで一致する場合は、グループの残りの量である"
        "こともあるため受理します。",
        "",
    ]
