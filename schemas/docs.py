"""The data dictionary members read (`docs/contract.md`), rendered from the contracts."""

from __future__ import annotations

import polars as pl

from schemas import declarations as d
from schemas import obligations as o
from schemas import periods
from schemas import products as p
from schemas import vocabulary as v
from schemas.contract import Column, Contract
from schemas.members import MEMBERS
from schemas.product_tables import product_circularity_section
from schemas.projects import PROJECT_ROLES, PROJECT_THEMES
from schemas.roadmaps import roadmap_sections
from schemas.subtotals import subtotal_section

_TYPE_NAMES: dict[type[pl.DataType], tuple[str, str]] = {
    pl.String: ("text", "文字列"),
    pl.Float64: ("number", "数値"),
    pl.Int32: ("integer", "整数"),
    pl.Int64: ("integer", "整数"),
    pl.Date: ("date (YYYY-MM-DD)", "日付（YYYY-MM-DD）"),
    pl.Boolean: ("true / false", "真偽値（true / false）"),
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
    return lines + _registration_lines(contract.name)


def _registration_lines(dataset: str) -> list[str]:
    """What the registry (`schemas/datasets.py`) says of a dataset: who sends it, what it looks up, what it feeds."""
    from schemas.datasets import DATASET_SPECS

    spec = DATASET_SPECS.get(dataset)
    if spec is None:
        return []
    who = "members / 会員" if spec.submitted_by == "members" else "the secretariat / 事務局"
    lines = [f"Submitted by / 提出者: {who}  "]
    if spec.references:
        looked_up = ", ".join(f"`{reference.table}`" for reference in spec.references.values())
        lines.append(f"Looks up / 参照: {looked_up}  ")
    if spec.feeds:
        lines.append(f"Feeds / 反映先: {', '.join(f'`{table}`' for table in spec.feeds)}  ")
    return [*lines, ""]


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


_DUE_RULES: dict[str, tuple[str, str]] = {
    "joined_plus_months": ("{months} months after joining", "入会から{months}か月以内"),
    "last_follow_up_plus_interval": (
        "every `follow_up_months` of its targets (default {months}) after the last progress file, or after the "
        "target was first set",
        "前回の実績提出（未提出なら目標の設定）から、目標の `follow_up_months`（既定{months}か月）ごと",
    ),
    "last_disclosure_plus_interval": (
        "every `follow_up_months` of its projects (default {months}) after the last disclosure, or after the first "
        "project started",
        "前回の成果公表（未公表ならプロジェクトの開始）から、プロジェクトの `follow_up_months`（既定{months}か月）ごと",
    ),
    "next_plan_revision": (
        "in the first plan revision after the target is set (by `next_revision_on`)",
        "目標設定後の最初の計画改定（`next_revision_on` まで）",
    ),
}


def _obligations_section() -> list[str]:
    """The partnership's rules per kind of member, as `schemas/obligations.py` holds them."""
    labels = v.labels(v.MEMBER_KINDS)
    names = v.labels(o.OBLIGATIONS)
    lines = [
        "## Obligations by kind of member / 会員種別ごとの義務",
        "",
        "The secretariat follows every member up by these rules (`schemas/obligations.py`); "
        "`core.member_obligations` holds each member's status on a date: `met`, `due`, `overdue` or "
        "`not_applicable`. / 事務局はこの規則（`schemas/obligations.py`）で会員をフォローアップします。"
        "`core.member_obligations` に会員ごとの状況（達成 `met`・期限前 `due`・期限超過 `overdue`・対象外 "
        "`not_applicable`）を記録します。",
        "",
        "| kind / 種別 | obligation / 義務 | due / 期限 |",
        "|---|---|---|",
    ]
    for rule in o.RULES:
        kind, name = labels[rule.kind], names[rule.obligation]
        due_en, due_ja = (text.format(months=rule.months) for text in _DUE_RULES[rule.due_rule])
        lines.append(
            f"| `{rule.kind}` {kind.label_ja} | `{rule.obligation}` {name.label_en} / {name.label_ja} "
            f"| {due_en} / {due_ja} |"
        )
    return [*lines, ""]


def render_contract_markdown(contracts: tuple[Contract, ...]) -> str:
    """The bilingual data dictionary for the given contracts plus the member registry and vocabularies."""
    lines = [
        "# junkan data contract / データ契約",
        "",
        "Generated from `schemas/` by `junkan contract` — do not edit by hand. / "
        "`schemas/` から自動生成しています（手で編集しないでください）。",
        "",
        "Files: CSV (UTF-8, UTF-8 with BOM, Shift_JIS/CP932), XLSX, Parquet, JSON Lines. / "
        "ファイル形式: CSV（UTF-8・BOM付きUTF-8・Shift_JIS）、XLSX、Parquet、JSON Lines。",
        "",
        "Cells: codes, ids, units, periods, numbers and dates are NFKC-normalised before they are read, so "
        "full-width digits and letters are fine. Invisible characters in them (zero-width space, zero-width "
        "joiners, word joiner, a BOM, soft hyphen: text pasted from web pages carries them) are removed, with a "
        "warning naming the row and column. Free text (notes, process names, titles, descriptions) is kept exactly "
        "as written (`①`, `²`, full-width letters stay), only spaces around it removed. / "
        "セルの値: コード・ID・単位・期間・数値・日付はNFKC正規化してから読むため、全角英数字も使えます。"
        "その中の見えない文字（ゼロ幅スペース・ゼロ幅接合子・単語結合子・BOM・ソフトハイフン。Webページから"
        "コピーした文字によく含まれます）は取り除き、行と列を示して警告します。自由記述（備考・プロセス名・"
        "名称・説明）は記入どおりに保存し（`①`・`²`・全角文字もそのまま）、前後の空白だけを除きます。",
        "",
        "Codes: a stage, material, product category, unit or member kind may be written as its code or as one of its "
        "names in the tables below, in Japanese or English, in any width, case or spacing (`回収`, `Collection`, "
        "`最終処分`, `紙`, `PETボトル`, `自治体`): it is read as its code, with a warning saying which name was "
        "read as which code. Units "
        "keep their case (`Mt` is megatonnes, `MT` metric tons). Other codes (indicators, quality, disclosure "
        "classes, project roles and themes) are written as codes. An unknown code is an error that suggests the "
        "closest codes, and the report's appendix lists every allowed code with its names. / "
        "コード: 工程・素材・製品区分・単位・会員種別は、コードのほか下表の名称（日本語・英語、全角・半角、"
        "大文字・小文字、空白の有無を問いません。例: `回収`・`Collection`・`最終処分`・`紙`・`PETボトル`・`自治体`）"
        "でも記入でき、どの名称を"
        "どのコードとして読んだかを警告で示します。単位は大文字・小文字を区別します（`Mt` は百万トン、`MT` は"
        "メトリックトン）。それ以外のコード（指標・把握方法・公開区分・プロジェクトの役割とテーマ）はコードで"
        "記入してください。登録されていないコードはエラーとし、近いコードを示します。使えるコードと名称の一覧は"
        "レポートの付録にあります。",
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
        "## Which file counts / どのファイルが有効か",
        "",
        "A member's data for `flows`, `progress`, `projects`, `disclosures`, `plans` and `declarations` is the sum "
        "of its live files. / `flows`・`progress`・`projects`・`disclosures`・`plans`・`declarations` では、"
        "会員のデータは有効なファイルすべての合計です。",
        "",
        "1. Files are taken in the order they arrived (the upload time, then the time junkan received them), never "
        "by name. / ファイルは届いた順（アップロード時刻、次に受付時刻）に扱い、ファイル名の順ではありません。",
        "2. A new file replaces the earlier version uploaded under the same name, whatever its content; "
        "earlier content uploaded again wins again. / 同じファイル名で再提出したファイルは、内容にかかわらず"
        "以前の版を置き換えます。以前と同じ内容を再度アップロードした場合も、それが最新になります。",
        "3. A new file under a new name replaces any older live file with which it shares a row key (the "
        "dataset's key below, e.g. the same period, material, stages and region): it is a corrected copy "
        "(`…_修正版.xlsx`, `v2`). The older file is replaced whole, so a corrected copy must hold every row. / "
        "別の名前の新しいファイルが、以前のファイルと行キー（下表の「キー」、例: 同じ期間・品目・工程・地域）を"
        "1つでも共有する場合は修正版とみなし、以前のファイル全体を置き換えます。修正版にはすべての行を"
        "含めてください。",
        "4. Files whose row keys are disjoint add up: a year split per plant or per material all counts. / "
        "行キーが重ならないファイルは加算します（工場別・品目別に分けた提出はすべて集計されます）。",
        "5. A file with no accepted rows (refused, or a header without rows) changes nothing. / "
        "受理された行のないファイル（不受理、またはヘッダーのみ）は、既存のデータを変更しません。",
        "6. A member withdraws a file by deleting it from the inbox (the next run takes its rows out and "
        "republishes), or the secretariat runs `junkan withdraw`. Withdrawing a correction does not bring back "
        "the file it replaced: submit that file again. / ファイルを取り下げるには受信箱から削除します（次回の"
        "実行で行を除き、再公表します）。事務局は `junkan withdraw` でも取り下げられます。修正版を取り下げても"
        "置き換えられた以前のファイルは戻りません。必要なら再提出してください。",
        "7. Each report says which files this one replaced and why (same name, or n shared row keys), and which "
        "live files it adds to. / 各レポートには、このファイルが置き換えたファイルとその理由（同じファイル名、"
        "または共通の行キーの件数）、加算されるファイルを記載します。",
        "",
        "`targets` are kept by `target_id`: a targets file adds to the targets it names and the member's others "
        "stay. A target whose definition changes (indicator, material, baseline, target year or value, unit) is a "
        "new version, in force from the moment its file arrived (`valid_from_at`, on the day `valid_from`): two "
        "versions sent the same day are two versions. `core.targets` keeps every version with the submission that "
        "set it. Each progress row is measured against the version in force when its file arrived, not the version "
        "of its year: a target changed in the middle of a year never re-reads progress reported before the change. "
        "`core.target_progress` has a row for the current version (`is_current_version`) and one for each earlier "
        "version progress was measured against, each with its latest value (`latest_year`, `latest_value`, "
        "`latest_reported_at`). A value is only compared with a target of the same indicator, unit and material: "
        "when a new version changes one of them, the report of the targets file warns and names the progress rows "
        "left without a comparable target (`n_progress_not_comparable`); they count towards the new target only "
        "once reported again, in its unit, after it. A target re-stated unchanged keeps its version; a new URL or "
        "description only updates it. A target is removed only by withdrawing the file that set it (the earlier "
        "version is then in force again). Progress for a year after the current one, or before the target's "
        "baseline year, is an error. / "
        "`targets` は `target_id` ごとに管理します。目標ファイルは記載した目標だけを追加・更新し、それ以外の"
        "目標は残ります。目標の定義（指標・素材・基準年と基準値・目標年と目標値・単位）が変わった場合は新しい版"
        "として、ファイルの受付時刻（`valid_from_at`、受付日は `valid_from`）から適用します。同じ日に送られた"
        "2つの版も別の版です。`core.targets` はすべての版と、それを設定した提出を保持します。実績の各行は、"
        "その年の版ではなく、実績ファイルを受け付けた時点で適用されていた版に対して評価します。年の途中で目標を"
        "変えても、変更前に報告した実績を新しい目標で読み替えることはありません。`core.target_progress` には"
        "現在の版（`is_current_version`）の行と、実績を評価した以前の版ごとの行があり、それぞれ最新の実績"
        "（`latest_year`・`latest_value`・`latest_reported_at`）を示します。実績は、指標・単位・素材が同じ目標"
        "とだけ比較します。新しい版でこれらが変わった場合は、目標ファイルのレポートで警告し、比較できる目標の"
        "なくなった実績の行を示します（`n_progress_not_comparable`）。それらの実績は、変更後に新しい単位で"
        "報告し直したときに新しい目標に対して評価します。内容が同じ再提出は版を変えず、URL・説明だけを更新"
        "します。目標の削除は、その目標を設定したファイルの取り下げによってのみ行います（以前の版が再び適用"
        "されます）。実績の年が今年より後、または目標の基準年より前の場合はエラーです。",
        "",
    ]
    lines += subtotal_section()
    for contract in (*contracts, MEMBERS):
        lines += _contract_section(contract)
    lines += _obligations_section()
    lines += ["## Vocabularies / コード表", ""]
    lines += _vocabulary_section("Stages / 工程", v.STAGES)
    lines += _vocabulary_section("Material groups / 素材グループ", v.MATERIAL_GROUPS)
    lines += _vocabulary_section("Material leaves / 素材（細分類）", v.MATERIAL_LEAVES)
    lines += _vocabulary_section("Product groups / 製品グループ", p.PRODUCT_GROUPS)
    lines += _vocabulary_section("Product categories / 製品区分（細分類）", p.PRODUCT_LEAVES)
    lines += _vocabulary_section("Units / 単位 (stored in tonnes / トン換算で保存)", v.UNITS)
    lines += _unit_spellings_section()
    lines += _vocabulary_section("Member kinds / 会員種別", v.MEMBER_KINDS)
    lines += _vocabulary_section("Quality / 数値の把握方法", v.QUALITIES)
    lines += _vocabulary_section("Indicators / 指標", v.INDICATORS)
    lines += _vocabulary_section(
        "Chain of custody (declarations) / 再生材の管理方式（declarations）", d.CHAINS_OF_CUSTODY
    )
    lines += _vocabulary_section("Assurance (declarations) / 保証区分（declarations）", d.ASSURANCES)
    lines += _vocabulary_section("Project roles / プロジェクトでの役割", PROJECT_ROLES)
    lines += _vocabulary_section("Project themes / プロジェクトのテーマ", PROJECT_THEMES)
    lines += _vocabulary_section("Obligations / 義務", o.OBLIGATIONS)
    lines += [
        "### Periods / 期間",
        "",
        "Accepted spellings / 使える書き方: " + ", ".join(f"`{example}`" for example in periods.EXAMPLES),
        "",
        "Era years may be abbreviated as offices write them: `R6`, `R06`, `令6`, `令和6` and `R6年度` are all "
        "`FY2024` (令和6年度), `H30` is `FY2018`; an era year without 年度 is a fiscal year (`令和6年`, a calendar "
        "year, is not read). / 和暦は役所での略記も使えます: `R6`・`R06`・`令6`・`令和6`・`R6年度` はすべて "
        "`FY2024`（令和6年度）、`H30` は `FY2018` です。年度を省いた和暦は年度として読みます（暦年の `令和6年` "
        "は読みません）。",
        "",
    ]
    lines += roadmap_sections()
    lines += product_circularity_section()
    return "\n".join(lines)
