"""Every string the portal shows, in Japanese (the default) and English: the one catalogue.

A key is `area.what`; a value is (日本語, English), with `{name}` fields filled by `infra.portal.i18n.translate`.
Pages and routes name keys, never text, so a page cannot show a string only one language has; a test checks that
every key a template or module names is here. The secretariat's side and joining keep theirs in
`messages_secretariat` (one file per side), merged here.
"""

from __future__ import annotations

from typing import Final

from infra.portal.messages_secretariat import SECRETARIAT_MESSAGES

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # the frame of every page
    "site.name": ("循環 junkan 会員ポータル", "junkan members' portal"),
    "site.switch_language": ("English", "日本語"),
    "site.logout": ("ログアウト", "Log out"),
    "site.logged_in_as": ("{email} でログイン中", "Logged in as {email}"),
    "site.home": ("ホーム", "Home"),
    "site.skip": ("本文へ移動", "Skip to content"),
    "site.api_docs": ("API 仕様 (OpenAPI)", "API reference (OpenAPI)"),
    # login
    "login.title": ("ログイン", "Log in"),
    "login.email": ("メールアドレス", "E-mail address"),
    "login.password": ("パスワード", "Password"),
    "login.submit": ("ログイン", "Log in"),
    "login.wrong": (
        "メールアドレスまたはパスワードが違います。",
        "The e-mail address or the password is wrong.",
    ),
    "login.locked": (
        "ログインの失敗が続いたため、{until} まで（日本時間）このアドレスではログインできません。",
        "Too many failed logins: this address is locked until {until} (Japan time).",
    ),
    "login.required": ("続けるにはログインしてください。", "Log in to continue."),
    "login.logged_out": ("ログアウトしました。", "You are logged out."),
    # invitations and passwords
    "invitation.title": ("パスワードの設定", "Set your password"),
    "invitation.intro": (
        "{email} のパスワードを設定してください（{minimum} 文字以上）。",
        "Set a password for {email} (at least {minimum} characters).",
    ),
    "invitation.password": ("新しいパスワード", "New password"),
    "invitation.confirmation": ("もう一度入力", "Type it again"),
    "invitation.submit": ("設定する", "Set password"),
    "invitation.done": ("パスワードを設定しました。ログインしてください。", "Your password is set. Log in."),
    "invitation.unknown": (
        "この招待リンクは使えません。事務局に新しいリンクを依頼してください。",
        "This invitation link is not valid. Ask the secretariat for a new one.",
    ),
    "invitation.used": (
        "この招待リンクは使用済みです。パスワードを忘れた場合は事務局に新しいリンクを依頼してください。",
        "This invitation link has been used. If you forgot your password, ask the secretariat for a new link.",
    ),
    "invitation.expired": (
        "この招待リンクは期限切れです。事務局に新しいリンクを依頼してください。",
        "This invitation link has expired. Ask the secretariat for a new one.",
    ),
    "invite.bad_email": ("メールアドレスの形式が正しくありません。", "That is not an e-mail address."),
    "invite.unknown_member": ("その会員IDは登録されていません。", "No member is registered with that id."),
    "invite.other_member": (
        "このメールアドレスは別の会員または事務局のアカウントです。",
        "This e-mail address already belongs to another member's or the secretariat's account.",
    ),
    "password.mismatch": ("2つのパスワードが一致しません。", "The two passwords differ."),
    "password.too_short": ("パスワードは12文字以上にしてください。", "Use at least 12 characters."),
    "password.too_long": ("パスワードは256文字以内にしてください。", "Use at most 256 characters."),
    "password.is_email": (
        "メールアドレスをパスワードにしないでください。",
        "Do not use your e-mail address as the password.",
    ),
    # errors
    "error.title": ("エラー", "Error"),
    "error.csrf": (
        "フォームの有効期限が切れました。ページを再読み込みして、もう一度送信してください。",
        "The form has expired. Reload the page and send it again.",
    ),
    "error.forbidden": ("このページを見る権限がありません。", "You may not open this page."),
    "error.not_found": ("ページが見つかりません。", "Page not found."),
    "error.internal": (
        "サーバーでエラーが起きました。時間をおいてもう一度お試しください。続く場合は事務局に連絡してください。",
        "Something went wrong on the server. Try again later; if it goes on, tell the secretariat.",
    ),
    # the member's side
    "member.title": ("{name} のページ", "{name}'s page"),
    "member.nav.overview": ("概要", "Overview"),
    "member.nav.upload": ("提出", "Submit files"),
    "member.nav.files": ("提出履歴", "Submissions"),
    "member.nav.templates": ("テンプレート", "Templates"),
    "member.nav.data": ("義務・目標・指標", "Obligations, targets, indicators"),
    "member.nav.tokens": ("API トークン", "API tokens"),
    "member.recent": ("最近の提出", "Recent submissions"),
    "member.no_files": ("まだ提出はありません。", "No submissions yet."),
    "templates.title": ("記入用テンプレート", "Templates to fill in"),
    "templates.intro": (
        "Excel（入力規則・説明シート付き）または CSV。会員IDは記入済みです。記入後、そのまま提出できます。",
        "Excel (with drop-down lists and an instructions sheet) or CSV, with your member id filled in. "
        "Submit it as filled in.",
    ),
    "templates.dataset": ("データセット", "Dataset"),
    "upload.title": ("ファイルの提出", "Submit files"),
    "upload.intro": (
        "1回に {most} ファイル、1ファイル {most_mb:.0f} MB まで。CSV（UTF-8 または Shift_JIS）、Excel、Parquet、"
        "JSON Lines。",
        "Up to {most} files at once, {most_mb:.0f} MB each: CSV (UTF-8 or Shift_JIS), Excel, Parquet, JSON Lines.",
    ),
    "upload.dataset": ("データセット", "Dataset"),
    "upload.auto": ("ヘッダーから自動判定", "Recognise from the header"),
    "upload.files": ("ファイル（複数可）", "Files (one or several)"),
    "upload.submit": ("提出する", "Submit"),
    "upload.done": (
        "{n} ファイルを受け付けました。検証の進み具合はこのページで更新されます。",
        "{n} file(s) received. This page follows their validation.",
    ),
    "upload.no_files": ("ファイルを選んでください。", "Choose at least one file."),
    "upload.too_many": (
        "{n} ファイルは多すぎます。1回に {most} ファイルまでにしてください。",
        "{n} files is too many: send at most {most} at once.",
    ),
    "upload.too_large": (
        "{file}: ファイルが大きすぎます（上限 {most_mb:.0f} MB）。ファイルを分けて提出してください。",
        "{file}: the file is too large (at most {most_mb:.0f} MB). Split it and submit the parts.",
    ),
    "upload.request_too_large": (
        "送信されたデータが大きすぎます（1ファイル {most_mb:.0f} MB、{most} ファイルまで）。",
        "The upload is too large (at most {most} files of {most_mb:.0f} MB each).",
    ),
    "upload.empty": ("{file}: ファイルが空です。", "{file}: the file is empty."),
    "upload.unknown_dataset": ("データセット {dataset} はありません。", "There is no dataset {dataset}."),
    "upload.not_recognised": (
        "{file}: ヘッダーからデータセットを判定できません。データセットを選んで提出してください。",
        "{file}: the dataset cannot be recognised from the header. Choose the dataset and submit again.",
    ),
    "upload.bad_name": (
        "{file}: このファイル名は使えません（{why}）。名前を変えて提出してください。",
        "{file}: this file name cannot be used ({why}). Rename the file and submit again.",
    ),
    "upload.same_name": (
        "{file}: 同じ名前のファイルが2つあります。片方の名前を変えてください。",
        "{file}: two files have this name. Rename one.",
    ),
    "files.title": ("提出履歴", "Submissions"),
    "files.file": ("ファイル", "File"),
    "files.dataset": ("データセット", "Dataset"),
    "files.received_at": ("受付日時", "Received"),
    "files.stage": ("状況", "Status"),
    "files.rows": ("行数（受理 / 保留 / 警告）", "Rows (accepted / set aside / warnings)"),
    "files.report": ("レポート", "Report"),
    "files.open_report": ("開く", "Open"),
    "files.reload": ("最新の状況を表示", "Show the latest status"),
    "stage.received": ("受付済み（検証待ち）", "Received (waiting for validation)"),
    "stage.validated": ("検証済み", "Validated"),
    "stage.rejected": ("受理できませんでした", "Not accepted"),
    "stage.in_draft": ("下書きに反映済み", "In the draft"),
    "stage.released": ("公表済み", "Released"),
    "stage.superseded": ("新しいファイルに置き換え済み", "Replaced by a newer file"),
    "stage.withdrawn": ("取り下げ済み", "Withdrawn"),
    "report.title": ("検証レポート: {file}", "Validation report: {file}"),
    "report.waiting": (
        "まだ検証中です。このページは自動で更新されます（JavaScript が無効なら再読み込みしてください）。",
        "Still being validated. This page updates itself (without JavaScript, reload it).",
    ),
    "report.summary": (
        "{read} 行を読み、{accepted} 行を受理、{quarantined} 行を保留しました（警告 {warnings} 件）。",
        "{read} rows read: {accepted} accepted, {quarantined} set aside ({warnings} warnings).",
    ),
    "report.preview": ("公表プレビュー", "Disclosure preview"),
    "report.preview_intro": (
        "いま事務局がこの期間を公表した場合、このファイルのどの値が公表され、どれが秘匿されるか",
        "which of this file's values would be published, and which withheld, if the period were released now",
    ),
    "report.rejected": ("ファイル全体を受理できませんでした:", "The whole file was refused:"),
    "report.errors": ("保留した行と直し方", "Rows set aside, and what to do"),
    "report.warnings": ("警告", "Warnings"),
    "report.row": ("行", "Row"),
    "report.column": ("列", "Column"),
    "report.value": ("値", "Value"),
    "report.what_to_do": ("内容と直し方", "What is wrong and what to do"),
    "report.not_listed": ("ほか {n} 件（JSON レポートに全件）", "{n} more (all of them in the JSON report)"),
    "report.relations": ("他のファイルとの関係", "Your other files"),
    "relation.replaces": ("{file} を置き換えました", "replaces {file}"),
    "relation.replaced_by": ("{file} に置き換えられました", "replaced by {file}"),
    "relation.adds_to": ("{file} に追加されます", "adds to {file}"),
    "report.withdraw": ("このファイルを取り下げる", "Withdraw this file"),
    "report.withdrawn": (
        "取り下げました。次の処理でこのファイルの行は集計から外れます。",
        "Withdrawn: the next run takes this file's rows out.",
    ),
    "report.cannot_withdraw": ("このファイルは取り下げられません。", "This file cannot be withdrawn."),
    "data.title": ("義務・目標・指標", "Obligations, targets and indicators"),
    "data.obligations": ("義務と期限", "Obligations and due dates"),
    "data.obligation": ("義務", "Obligation"),
    "data.due_on": ("期限", "Due"),
    "data.met_on": ("達成日", "Met"),
    "data.status": ("状況", "Status"),
    "data.no_obligations": (
        "まだ判定されていません（最初の処理の後に表示されます）。",
        "Not judged yet (shown after the first run).",
    ),
    "data.targets": ("目標と進捗", "Targets and progress"),
    "data.no_targets": ("登録された目標はありません。", "No targets registered."),
    "data.target": ("目標", "Target"),
    "data.kind": ("同じ種別の会員（公表値）", "Members of your kind (published)"),
    "data.kind_progress": (
        "進捗率の中央値 {median}%（{n} 件中 {on_track} 件が順調）",
        "median {median}% ({on_track} of {n} on track)",
    ),
    "data.withheld": ("秘匿", "withheld"),
    "data.latest": ("最新値", "Latest value"),
    "data.progress": ("進捗率", "Progress"),
    "data.indicators": ("あなたの指標と公表値", "Your indicators beside the published figures"),
    "data.no_indicators": ("まだ指標はありません。", "No indicators yet."),
    "data.period": ("期間", "Period"),
    "data.own": ("自団体", "Yours"),
    "data.region": ("同じ地域", "Your region"),
    "data.national": ("全国", "Nationwide"),
    "data.input_rate": ("入口側循環利用率", "Input cyclical use rate"),
    "data.output_rate": ("出口側循環利用率", "Output cyclical use rate"),
    "obligation.status.met": ("達成", "Met"),
    "obligation.status.due": ("期限前", "Due"),
    "obligation.status.overdue": ("期限超過", "Overdue"),
    "tokens.title": ("API トークン", "API tokens"),
    "tokens.intro": (
        "会員のシステムから API でファイルを提出するためのトークンです。作成時に一度だけ表示されます。",
        "Tokens let your own systems submit files through the API. A token is shown once, when it is made.",
    ),
    "tokens.name": ("名前（用途）", "Name (what it is for)"),
    "tokens.create": ("作成", "Create"),
    "tokens.created": (
        "トークンを作成しました。今コピーしてください。二度と表示されません:",
        "Token created. Copy it now: it will not be shown again:",
    ),
    "tokens.revoke": ("無効にする", "Revoke"),
    "tokens.revoked": ("トークンを無効にしました。", "The token is revoked."),
    "tokens.none": ("トークンはありません。", "No tokens."),
    "tokens.created_at": ("作成日時", "Created"),
    "tokens.last_used_at": ("最終使用", "Last used"),
    "tokens.state": ("状態", "State"),
    "tokens.live": ("有効", "Live"),
    "tokens.revoked_state": ("無効", "Revoked"),
    # API tokens
    "tokens.member_only": ("API トークンは会員のユーザーだけが作れます。", "Only members' users create API tokens."),
    "tokens.bad_name": (
        "トークンの名前を1〜100文字で入力してください。",
        "Give the token a name of 1 to 100 characters.",
    ),
    # the secretariat's side and joining: their own module
    **SECRETARIAT_MESSAGES,
}
