"""The data dictionary members read (`docs/contract.md`), rendered from the contracts."""

from __future__ import annotations

import polars as pl

from schemas import periods
from schemas import vocabulary as v
from schemas.contract import Column, Contract
from schemas.members import MEMBERS

_TYPE_NAMES: dict[type[pl.DataType], tuple[str, str]] = {
    pl.String: ("text", "文字列"),
    pl.Float64: ("number", "数値"),
    pl.Int32: ("integer", "整数"),
    pl.Int64: ("integer", "整数"),
    pl.Date: ("date (YYYY-MM-DD)", "日付（YYYY-MM-DD）"),
}


def _type_name(column: Column) -> str:
    english, japanese = _TYPE_NAMES.get(type(column.dtype), (str(column.dtype), str(column.dtype)))
    return f"{english} / {japanese}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _contract_section(contract: Contract) -> list[str]:
    lines = [
        f"## `{contract.name}`",
        "",
        f"{contract.description_en}  ",
        contract.description_ja,
        "",
        "| column | headers accepted / 使える列名 | type | required | description | 説明 | rules / 規則 |",
        "|---|---|---|---|---|---|---|",
    ]
    for column in contract.submitted_columns:
        rules = [check.message_en for check in column.checks if check.kind != "not_null"]
        if column.default_en:
            rules.append(f"default: {column.default_en} / 既定値: {column.default_ja}")
        if column.example:
            rules.append(f"e.g. `{column.example}`")
        lines.append(
            f"| `{column.name}` | {_cell(', '.join(column.headers))} | {_type_name(column)} "
            f"| {'yes / 必須' if column.required else 'no / 任意'} "
            f"| {_cell(column.description_en)} | {_cell(column.description_ja)} | {_cell('; '.join(rules))} |"
        )
    if contract.rules:
        lines += ["", "Rules across columns and rows / 列・行をまたぐ規則:", ""]
        for rule in contract.rules:
            level = "warning / 警告" if rule.severity == "warning" else "error / エラー"
            lines.append(f"- `{rule.id}` ({level}): {rule.message_en} / {rule.message_ja}")
    lines += ["", f"Key / キー: {', '.join(f'`{name}`' for name in contract.key)}", ""]
    return lines


def _vocabulary_section(title: str, terms: tuple[v.Term, ...]) -> list[str]:
    lines = [f"### {title}", "", "| code | English | 日本語 |", "|---|---|---|"]
    lines += [f"| `{term.code}` | {term.label_en} | {term.label_ja} |" for term in terms]
    return [*lines, ""]


def _unit_spellings_section() -> list[str]:
    """Every accepted unit spelling and what it means, with the choice made for MT, in both languages."""
    lines = [
        "### Unit spellings / 単位の書き方",
        "",
        "A unit is matched exactly against this table after NFKC normalisation (so full-width `ｔ`, `ｋｇ`, `㎏`, "
        "half-width `ﾄﾝ` match too) and trimming; upper and lower case count. Any other spelling is an error "
        "that names the value. "
        f"`{v.METRIC_TON}`, `mt` and `M/T` mean metric ton in trade documents: they are read as tonnes (t), "
        "**never megatonnes**, with a warning on every row that uses them, and stored as `t`. "
        "Megatonnes are only `Mt` exactly, `megatonne(s)` or `百万トン`.",
        "",
        "単位はNFKC正規化（全角の `ｔ`・`ｋｇ`・`㎏`、半角の `ﾄﾝ` も同じ扱い）と前後の空白除去のあと、"
        "この表の書き方と完全に一致するものだけを受け付けます（大文字・小文字を区別します）。"
        "表にない書き方は、その値を示してエラーにします。"
        f"`{v.METRIC_TON}`・`mt`・`M/T` は貿易書類でメトリックトンを意味するため、トン（t）として読み、"
        "**百万トンとしては決して読みません**。これらを使った行には1行ごとに警告を出し、`t` として保存します。"
        "百万トンは `Mt`（この大文字・小文字のとおり）、`megatonne(s)`、`百万トン` だけです。",
        "",
        "| spelling / 書き方 | unit / 単位 | tonnes per unit / 1単位のトン数 | note / 注記 |",
        "|---|---|---|---|",
    ]
    for spelling, code in v.UNIT_SPELLINGS.items():
        stored = v.STORED_UNITS.get(code, code)
        note = "warning on every row / 各行に警告" if code in v.STORED_UNITS else ""
        tonnes = f"{v.UNIT_TO_TONNES[code]:,.3f}".rstrip("0").rstrip(".")
        lines.append(f"| `{spelling}` | `{stored}` | {tonnes} | {note} |")
    return [*lines, ""]


def render_contract_markdown(contracts: tuple[Contract, ...]) -> str:
    """The bilingual data dictionary for the given contracts plus the member registry and vocabularies."""
    lines = [
        "# junkan data contract / データ契約",
        "",
        "Generated from `schemas/` by `junkan contract` — do not edit by hand. / "
        "`schemas/` から自動生成しています（手で編集しないでください）。",
        "",
        "Files: CSV (UTF-8, UTF-8 with BOM, Shift_JIS/CP932), XLSX, Parquet, JSON Lines. "
        "Text is NFKC-normalised first, so full-width digits and letters are fine. / "
        "ファイル形式: CSV（UTF-8・BOM付きUTF-8・Shift_JIS）、XLSX、Parquet、JSON Lines。"
        "全角英数字は自動で半角に正規化します。",
        "",
        "Workbooks (XLSX): every visible sheet whose first non-blank row is a header with the required columns "
        "is read, wherever it stands; several such sheets are one submission and the report names the sheet of "
        "every row. Hidden and very hidden sheets are never read. Other sheets (instructions, notes, charts, "
        "empty sheets) are skipped and listed in the report. A workbook with no such sheet, or protected with a "
        "password, is refused. / "
        "Excelブック（XLSX）: 表示中のシートのうち、最初の空でない行が必須の列を含むヘッダーであるシートを、"
        "順番にかかわらずすべて読み込みます。複数ある場合は1つの提出として扱い、レポートに各行のシート名を"
        "記載します。非表示のシートは読み込みません。それ以外のシート（記入方法・メモ・グラフ・空のシート）は"
        "読み飛ばし、レポートに記載します。該当するシートがないブックや、パスワードで保護されたブックは"
        "受け付けません。",
        "",
        "Column headers: the first row names the columns, by their code or one of the Japanese names listed; "
        "case, full-width letters and spaces do not matter (`Member ID`, `会員ID`, `会員 ID`, `会員　ＩＤ` all name "
        "`member_id`). Other columns are ignored and listed in the report. / "
        "列名: 1行目に列名を書きます。コードまたは下表の日本語の列名が使えます。大文字・小文字、全角・半角、"
        "空白の有無は問いません（`Member ID`・`会員ID`・`会員 ID`・`会員　ＩＤ` はどれも `member_id`）。"
        "それ以外の列は読み飛ばし、レポートに記載します。",
        "",
        "Which file counts: files are taken in the order they were uploaded, never by name. A newer `flows` file "
        "replaces the member's rows in the periods it covers, a newer `progress` file the years it covers, and a "
        "newer `targets` file the targets it names (by `target_id`); the member's other periods, years and "
        "targets stay as they were. The same content uploaded again after a correction is the latest word "
        "again. / "
        "どのファイルが有効か: ファイルはアップロードされた順に扱い、ファイル名の順ではありません。新しい "
        "`flows` ファイルは、その会員のデータのうちファイルに含まれる期間の行を置き換えます。`progress` は"
        "含まれる年、`targets` はファイルに記載された目標（`target_id`）を置き換えます。それ以外の期間・年・"
        "目標はそのまま残ります。訂正後に以前と同じ内容を再度アップロードした場合は、それが最新になります。",
        "",
    ]
    for contract in (*contracts, MEMBERS):
        lines += _contract_section(contract)
    lines += ["## Vocabularies / コード表", ""]
    lines += _vocabulary_section("Stages / 工程", v.STAGES)
    lines += _vocabulary_section("Material groups / 素材グループ", v.MATERIAL_GROUPS)
    lines += _vocabulary_section("Material leaves / 素材（細分類）", v.MATERIAL_LEAVES)
    lines += _vocabulary_section("Units / 単位 (stored in tonnes / トン換算で保存)", v.UNITS)
    lines += _unit_spellings_section()
    lines += _vocabulary_section("Member kinds / 会員種別", v.MEMBER_KINDS)
    lines += _vocabulary_section("Quality / 数値の把握方法", v.QUALITIES)
    lines += _vocabulary_section("Indicators / 指標", v.INDICATORS)
    lines += [
        "### Periods / 期間",
        "",
        "Accepted spellings / 使える書き方: " + ", ".join(f"`{example}`" for example in periods.EXAMPLES),
        "",
    ]
    return "\n".join(lines)
