"""The instructions sheet of a template (記入方法), line by line, in Japanese then English.

What the dataset is, how to fill the data sheet in, each column's meaning, whether it is required and what it may
hold, the values of every drop-down with their meaning, and how to submit. Pure text from `schemas.templates`; the
XLSX writer (`infra.rendering.workbook_templates`) only styles each line by its kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from schemas import vocabulary as v
from schemas.templates import MEMBER_ID, PERIOD, REGION_CHOICES, Choice, Template, TemplateColumn

# The sheets a workbook template holds; the readers read the data sheet and skip the instructions (its first row is
# a title, not a header).
DATA_SHEET: Final = "データ"
INSTRUCTIONS_SHEET: Final = "記入方法"
LISTS_SHEET: Final = "lists"  # hidden: the drop-downs' values


def instructions_title(dataset: str) -> str:
    """The first cell of a template's instructions sheet, by which the readers know the sheet for the template's own."""
    return f"{dataset} の記入方法 / How to fill in {dataset}"


LineKind = Literal["title", "heading", "text", "text_en", "table_header", "row"]
COLUMNS_TABLE_HEADER: Final = (
    "見出し / header",
    "English name",
    "必須 / required",
    "説明",
    "Description",
    "記入例 / example",
    "記入できる値 / values",
)
VALUES_TABLE_HEADER: Final = ("記入する値 / value", "意味", "Meaning")


@dataclass(frozen=True)
class InstructionLine:
    """One line of the instructions sheet: its kind (how it is styled) and its cells from column A on."""

    kind: LineKind
    cells: tuple[str, ...]


def instruction_lines(template: Template) -> tuple[InstructionLine, ...]:
    """Every line of a template's instructions sheet, top to bottom.

    Examples:
        >>> from datetime import date
        >>> from schemas.templates import template_for
        >>> lines = instruction_lines(template_for("flows", member_id="city-a", today=date(2025, 6, 1)))
        >>> lines[0].cells[0]
        'flows の記入方法 / How to fill in flows'
        >>> next(line.cells for line in lines if line.kind == "row" and line.cells[0] == "投入先工程")[:3]
        ('投入先工程', 'target_stage', '必須 / required')

    """
    name = template.dataset
    lines = [
        InstructionLine("title", (instructions_title(name),)),
        InstructionLine("text", (template.description_ja,)),
        InstructionLine("text_en", (template.description_en,)),
        _blank(),
        InstructionLine("heading", ("記入のしかた / How to fill it in",)),
        *_steps(template),
        _blank(),
        InstructionLine("heading", ("列の説明 / Columns",)),
        InstructionLine("table_header", COLUMNS_TABLE_HEADER),
        *(_column_row(column) for column in template.columns),
        *_value_tables(template),
        _blank(),
        InstructionLine("heading", ("提出のしかた / How to submit",)),
        *_submission(template),
    ]
    return tuple(lines)


def _blank() -> InstructionLine:
    return InstructionLine("text", ("",))


def _said(japanese: str, english: str) -> tuple[InstructionLine, InstructionLine]:
    return InstructionLine("text", (japanese,)), InstructionLine("text_en", (english,))


def _steps(template: Template) -> list[InstructionLine]:
    steps = [
        _said(
            f"1. 「{DATA_SHEET}」シートの1行目（見出し）は変えないでください。"
            "英語名・必須かどうか・説明は見出しのコメントにもあります。",
            f"1. Keep the header row of the {DATA_SHEET} sheet as it is; each header's comment gives its English name, "
            "whether it is required and what it means.",
        ),
        _said(
            "2. 2行目は記入例です。書き換えるか、行ごと削除してください。"
            "残したまま提出すると、例もデータとして取り込まれます。",
            "2. Row 2 is an example: overwrite it or delete the row. If it stays, it is submitted as data.",
        ),
        _said(
            "3. 1行に1件ずつ記入してください。オレンジの見出しは必須、青は任意です"
            "（当てはまらない任意の列は空欄で構いません）。",
            "3. One record per row. Orange headers are required, blue ones optional (leave them blank when they do "
            "not apply).",
        ),
    ]
    number = len(steps) + 1
    if any(column.choices for column in template.columns):
        japanese, english = "", ""
        if any(_is_read_by_name(column) for column in template.columns):
            japanese = (
                "工程・素材の日本語名（例: 回収）も読めますが、"
                "セルごとに「コードで記入してください」という警告が出ます。"
            )
            english = " Japanese names of stages and materials (回収) are read too, with a warning on each cell."
        steps.append(
            _said(
                f"{number}. 一覧（▼）から選べる列があります。"
                f"一覧の値をそのまま使うと、警告なしで読み込まれます。{japanese}",
                f"{number}. Some columns offer a drop-down list (▼): its values are read without warnings.{english}",
            )
        )
        number += 1
    if any(column.name == PERIOD for column in template.columns):
        steps.append(
            _said(
                f"{number}. 年度は一覧の「令和6年度」の形のほか、"
                "2024年度・FY2024・R6 と書いても同じ年度として読まれます。",
                f"{number}. A fiscal year may be written as the list has it (令和6年度) or as 2024年度, FY2024 or R6.",
            )
        )
        number += 1
    if any(column.kind == "share" for column in template.columns):
        steps.append(
            _said(
                f"{number}. 割合は 0〜1 の小数（0.35）か、35% のように % を付けて記入してください。"
                "% の付かない 35 はエラーになります。",
                f"{number}. Shares are fractions 0 to 1 (0.35) or percentages with their sign (35%); a bare 35 is "
                "an error.",
            )
        )
        number += 1
    steps.append(
        _said(
            f"{number}. 行が多いときはシートを分けても構いません（年度別・事業所別など）。各シートの1行目に同じ見出しを"
            f"置いてください。このシート（{INSTRUCTIONS_SHEET}）と非表示のシートは読み込まれません。",
            f"{number}. Rows may be split over several sheets (per year, per plant), each with the same header in its "
            f"first row; this sheet ({INSTRUCTIONS_SHEET}) and hidden sheets are not read.",
        )
    )
    return [line for pair in steps for line in pair]


def _is_read_by_name(column: TemplateColumn) -> bool:
    """Whether a column offers stages or materials, which the readers also take by their names (with a warning)."""
    offered = {choice.value for choice in column.choices}
    return bool(offered) and offered <= set(v.STAGE_CODES) | set(v.MATERIAL_CODES)


def _column_row(column: TemplateColumn) -> InstructionLine:
    return InstructionLine(
        "row",
        (
            column.header,
            column.name,
            "必須 / required" if column.required else "任意 / optional",
            column.description_ja,
            column.description_en,
            column.example,
            _values_text(column),
        ),
    )


def _values_text(column: TemplateColumn) -> str:
    """What a column may hold, in a few words of both languages."""
    if column.name == MEMBER_ID:
        return "会員ID（英小文字・数字・-・_）/ your member id"
    if column.choices == REGION_CHOICES:
        return (
            "都道府県名（福岡県）、JP-40 の形のコード、全国は JP、輸出入の相手国は CN などの国コード"
            " / a prefecture, JP for Japan, or a country"
        )
    if column.choices:
        listed = "一覧から選択（下の表）/ from the list (table below)"
        return listed if column.closed else f"{listed}; 一覧にない値も可 / other values allowed"
    if column.name == "url" or column.name.endswith("_url"):
        return "URL（https:// で始まる）/ a link starting with https://"
    bounds = _bounds(column)
    return {
        "text": "自由記述 / free text",
        "code": "コード・ID（記入例の形）/ a code or id, as in the example",
        "number": f"数値{bounds} / a number",
        "integer": f"整数{bounds} / a whole number",
        "share": "0〜1 または 35% / a fraction 0-1, or 35%",
        "date": "日付（2024-10-01、2024/10/1）/ a date",
    }[column.kind]


def _bounds(column: TemplateColumn) -> str:
    low, high = column.min_value, column.max_value
    if low is not None and high is not None:
        return f"（{low:g}〜{high:g}）"
    if low is not None:
        return f"（{low:g}以上）"
    return "" if high is None else f"（{high:g}以下）"


def _value_tables(template: Template) -> list[InstructionLine]:
    """A table of each drop-down's values with their meaning; columns offering the same list share one table."""
    shared: dict[tuple[Choice, ...], list[TemplateColumn]] = {}
    for column in template.columns:
        if column.choices and column.name != MEMBER_ID and column.choices != REGION_CHOICES:
            shared.setdefault(column.choices, []).append(column)
    lines: list[InstructionLine] = []
    for choices, columns in shared.items():
        headers = "・".join(f"「{column.header}」" for column in columns)
        names = ", ".join(column.name for column in columns)
        lines += [
            _blank(),
            InstructionLine("heading", (f"{headers}の値 / Values of {names}",)),
            InstructionLine("table_header", VALUES_TABLE_HEADER),
            *(InstructionLine("row", (choice.value, choice.label_ja, choice.label_en)) for choice in choices),
        ]
    return lines


def _submission(template: Template) -> list[InstructionLine]:
    name = template.dataset
    if template.submitted_by == "secretariat":
        pairs = [
            _said(
                f"事務局の参照データです。確認: junkan reference check ファイル --dataset {name}　"
                f"読み込み: junkan reference load ファイル --dataset {name}",
                f"The secretariat's reference data. Check: junkan reference check FILE --dataset {name}; "
                f"load: junkan reference load FILE --dataset {name}",
            )
        ]
    else:
        member = template.member_id or "<会員ID>"
        pairs = [
            _said(
                f"記入したファイルを、会員ごとの受付フォルダ（inbox/{member}/{name}/）にアップロードするか、事務局に送付してください。",
                f"Upload the file to your inbox folder (inbox/{template.member_id or '<member id>'}/{name}/), or send "
                "it to the secretariat.",
            ),
            _said(
                f"コマンドで提出: junkan submit ファイル --member {member} --dataset {name}　"
                f"提出前の確認（何も保存しません）: junkan validate ファイル --member {member} --dataset {name}",
                f"From the command line: junkan submit FILE --member ID --dataset {name}; to check it first, storing "
                f"nothing: junkan validate FILE --member ID --dataset {name}",
            ),
            _replacement(template),
        ]
    pairs.append(
        _said(
            "CSVで出す場合は「CSV UTF-8（コンマ区切り）」で保存してください（Shift_JIS の CSV も読めます）。"
            "CSV を Excel で開き直すと、長い数字（JANコード）が 4.90123E+12 のような指数表記になり、"
            "先頭の 0 が消えます。XLSX のまま出すのが確実です。",
            "For CSV, save as 'CSV UTF-8 (comma delimited)' (Shift_JIS CSV is read too). Reopening a CSV in Excel "
            "turns long numbers (JAN codes) into 4.90123E+12 and drops leading zeros: submitting the XLSX is safest.",
        )
    )
    return [line for pair in pairs for line in pair]


def _replacement(template: Template) -> tuple[InstructionLine, InstructionLine]:
    if template.replacement == "versions":
        return _said(
            "目標は版として記録されます。同じ目標IDの行を出し直すと、ファイルが届いた日から新しい版になります（ほかの目標はそのまま）。",
            "Each target is kept as versions: a row for the same target id starts a new version from the day its "
            "file arrives (other targets stay).",
        )
    year = next((column.example for column in template.columns if column.name == PERIOD), "") or "令和6年度"
    named = f"{template.dataset}_{year}.xlsx"
    return _said(
        "同じファイル名で出し直すと、中身にかかわらず前の版を置き換えます。別の年度などは別の名前で保存してください"
        f"（例: {named}）。別名の訂正版も、同じ行（同じキー）を含む古いファイルを置き換えます。"
        "別の行だけのファイル（事業所別など）は合算されます。",
        "A file sent again under the same name replaces its earlier version, whatever it holds: save another year "
        f"under another name ({named}). A corrected copy under another name replaces older files sharing a row key "
        "with it; files of other rows add up (one per plant).",
    )
