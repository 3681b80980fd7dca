"""The strings of the secretariat's pages and of joining (参画申請), (日本語, English): part of the one catalogue.

`infra.portal.messages.MESSAGES` merges them; pages name keys, never text (see that module). Routes:
flows/portal/secretariat.py and flows/portal/joining.py.
"""

from __future__ import annotations

from typing import Final

SECRETARIAT_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "secretariat.title": ("事務局", "Secretariat"),
    "secretariat.members": ("会員", "Members"),
    "secretariat.n_members": ("{n} 会員", "{n} members"),
    "secretariat.join_link": ("参画申請のページ（ログイン不要）:", "The joining application (no login needed):"),
    "secretariat.members_intro": (
        "公開区分は今日の flows の区分、義務の件数は今日時点の判定です。",
        "The disclosure class is today's class of flows; obligations are judged as of today.",
    ),
    "secretariat.member_id": ("会員ID", "Member id"),
    "secretariat.member_name": ("会員名", "Member"),
    "secretariat.kind": ("種別", "Kind"),
    "secretariat.region": ("地域", "Region"),
    "secretariat.joined_on": ("参画日", "Joined on"),
    "secretariat.disclosure_class": ("公開区分", "Disclosure class"),
    "secretariat.obligations_met": ("義務: 達成", "Obligations met"),
    "secretariat.obligations_due": ("義務: 期限前", "Obligations due"),
    "secretariat.obligations_overdue": ("義務: 期限超過", "Obligations overdue"),
    "secretariat.no_members": ("登録された会員はまだありません。", "No member is registered yet."),
    "secretariat.users": ("ユーザー", "Users"),
    "secretariat.user_state": ("状態", "State"),
    "secretariat.user_active": ("利用中", "Active"),
    "secretariat.user_invited": ("招待済み（パスワード未設定）", "Invited (no password yet)"),
    "secretariat.user_disabled_state": ("無効", "Disabled"),
    "secretariat.no_users": ("この会員のユーザーはまだいません。", "This member has no users yet."),
    "secretariat.disable": ("無効にする", "Disable"),
    "secretariat.user_disabled": (
        "ユーザーを無効にしました。ログイン中のセッションと API トークンも使えなくなります。",
        "The user is disabled: its sessions and API tokens stop working too.",
    ),
    "secretariat.user_already_disabled": ("このユーザーはすでに無効です。", "This user was already disabled."),
    "secretariat.invitations": ("未使用の招待", "Pending invitations"),
    "secretariat.no_invitations": ("未使用の招待はありません。", "No pending invitations."),
    "secretariat.invited_by": ("招待した人", "Invited by"),
    "secretariat.expires_at": ("有効期限", "Expires"),
    "secretariat.revoke": ("取り消す", "Revoke"),
    "secretariat.invitation_revoked": (
        "招待を取り消しました。そのリンクはもう使えません。",
        "The invitation is revoked: its link no longer works.",
    ),
    "secretariat.invite": ("招待リンクを作る", "Create an invitation link"),
    "secretariat.invited": (
        "{email} の招待リンクです（一度だけ表示、{hours} 時間有効）。本人に安全な方法で送ってください。",
        "The invitation link for {email} (shown once, valid {hours} h). Send it to them securely.",
    ),
    "secretariat.disclosure_intro": (
        "会員の同意に基づき、指定した日から公開区分を変更します（junkan members disclosure と同じ処理）。"
        "公開の会員の数値はそのまま公表されます。",
        "Change the member's disclosure class from a day on, with its consent (what junkan members disclosure "
        "does). A public member's figures are published as they are.",
    ),
    "secretariat.dataset": ("データセット", "Dataset"),
    "secretariat.class_today": ("今日の区分", "Class today"),
    "secretariat.disclosure_history": ("公開区分の履歴", "Disclosure class history"),
    "secretariat.consented_on": ("適用開始日（同意日）", "Applies from (consent)"),
    "secretariat.recorded_at": ("記録日時", "Recorded"),
    "secretariat.field_disclosure_class": ("公開区分", "Disclosure class"),
    "secretariat.field_consented_on": ("適用開始日（会員の同意日）", "Applies from (the member's consent)"),
    "secretariat.field_dataset": ("対象データセット", "Dataset"),
    "secretariat.both_datasets": ("flows と progress の両方", "Both flows and progress"),
    "secretariat.record_disclosure": ("公開区分を記録する", "Record the disclosure class"),
    "secretariat.bad_disclosure_class": (
        "public（公開）か confidential（非公開）を選んでください。",
        "Choose public or confidential.",
    ),
    "secretariat.bad_dataset": ("flows か progress を選ぶか、両方にしてください。", "Choose flows, progress or both."),
    "secretariat.bad_consented_on": (
        "日付を YYYY-MM-DD（例: 2026-04-01）で入力してください。",
        "Enter a date as YYYY-MM-DD, e.g. 2026-04-01.",
    ),
    "secretariat.disclosure_recorded": ("公開区分を記録しました。", "The disclosure class is recorded."),
    "secretariat.disclosure_unchanged": (
        "その日の公開区分はすでにその区分です。何も記録していません。",
        "The member already has that class on that day: nothing was recorded.",
    ),
    "followup.title": ("年次フォローアップ", "Yearly follow-up"),
    "followup.intro": (
        "基準日の時点で各会員の義務を判定した資料（junkan followup と同じ内容）を表示・ダウンロードします。",
        "The pack that judges every member's obligations on a day (what junkan followup writes), to view or download.",
    ),
    "followup.restricted": (
        "事務局限り：会員名と会員別の状況を含みます。",
        "Restricted to the secretariat: it holds member names and member-level status.",
    ),
    "followup.as_of": ("基準日", "As of"),
    "followup.format": ("形式", "Format"),
    "followup.view_html": ("ページで見る (HTML)", "View the page (HTML)"),
    "followup.download_xlsx": ("Excel でダウンロード (XLSX)", "Download for Excel (XLSX)"),
    "followup.open": ("開く", "Open"),
    "followup.today": ("今日を基準日にする", "As of today"),
    "followup.bad_date": (
        "基準日を YYYY-MM-DD（例: 2026-03-31）で入力してください。",
        "Enter the day as YYYY-MM-DD, e.g. 2026-03-31.",
    ),
    "releases.title": ("公表（リリース）", "Releases"),
    "releases.intro": (
        "公開の表・BI・期間レポートが変わるのはリリースのときだけです。期間ごとの最新のリリースを示します。",
        "Public tables, BI readers and the period report change only on a release. Each period's latest release:",
    ),
    "releases.period": ("期間", "Period"),
    "releases.state": ("状態", "State"),
    "releases.values": ("値の数", "Values"),
    "releases.release": ("リリースする…", "Release…"),
    "releases.never": ("未リリース", "Never released"),
    "releases.released": ("第 {number} 版（{at} UTC、{by}）", "Release {number} ({at} UTC, by {by})"),
    "releases.counts": (
        "公表 {published}・改訂 {revised}・改訂保留 {withheld}",
        "{published} published, {revised} revised, {withheld} withheld for revision",
    ),
    "releases.none": ("リリースできる期間はまだありません。", "No period can be released yet."),
    "releases.in_progress": (
        "{periods} のリリースを実行中です（{by}、{at} UTC 開始）。数分かかります。再読み込みで状態を確認できます。",
        "Releasing {periods} (started {at} UTC by {by}); it takes a few minutes. Reload to see how it goes.",
    ),
    "releases.failed": (
        "{at} UTC に始めた {periods} のリリースは失敗しました。公開の表は変わっていません。ログを確認してください。",
        "The release of {periods} started {at} UTC failed: the public tables did not change. See the logs.",
    ),
    "releases.confirm_title": ("{period} をリリースする", "Release {period}"),
    "releases.confirm_what": (
        "{period} を第 {number} 版として公表します。公開の表、BI の読み手、期間レポートがこの時点で変わります。",
        "{period} is published as release {number}: the public tables, BI readers and the period report change now.",
    ),
    "releases.confirm_protection": (
        "以前のリリースとの差から少数の会員の値がわかる場合、その値は改訂を保留します（junkan release と同じ処理）。",
        "A value whose change since the earlier releases would give away a few members is withheld for revision "
        "(as junkan release does).",
    ),
    "releases.confirmation": ("確認", "Confirmation"),
    "releases.confirmation_label": (
        "確認のため、期間 {period} をもう一度入力してください",
        "To confirm, type the period {period} again",
    ),
    "releases.confirm_button": ("{period} をリリースする", "Release {period}"),
    "releases.cancel": ("やめて一覧に戻る", "Cancel and go back"),
    "releases.confirm_mismatch": (
        "入力された期間が一致しません。リリースする期間を正確に入力してください。",
        "The period typed does not match: type the period to release exactly.",
    ),
    "releases.running": (
        "別のリリースを実行中です。終わってからもう一度リリースしてください。",
        "Another release is running: release again once it has finished.",
    ),
    "releases.started": (
        "リリースを開始しました。数分かかります。このページで状態を確認できます。",
        "The release has started; it takes a few minutes. This page shows how it goes.",
    ),
    "join.title": ("参画申請", "Apply to join"),
    "join.intro": (
        "循環経済パートナーシップへの参画を申請できます。申請には、団体の種別ごとの参画要件（取組の約束）への同意が必要です。"
        "事務局が確認し、承認されると参画日から義務の期限が始まり、担当者に招待リンクが届きます。",
        "Apply to join the circular-economy partnership. An application accepts the commitments of the "
        "organisation's kind. The secretariat reviews it; once approved, the obligations start on the joining date "
        "and the contact receives an invitation link.",
    ),
    "join.choose_kind": ("まず団体の種別を選んでください。", "First choose the kind of your organisation."),
    "join.commitments_of_kind": ("参画要件:", "Commitments on joining:"),
    "join.apply_as": ("{kind}として申請する", "Apply as: {kind}"),
    "join.other_kind": ("種別を選び直す", "Choose another kind"),
    "join.fix_fields": (
        "{n} か所を直してから、もう一度送信してください。",
        "Fix {n} field(s), then send the application again.",
    ),
    "join.field_organisation_name": ("団体名", "Organisation name"),
    "join.field_kind": ("種別", "Kind"),
    "join.field_region": ("所在地（都道府県）", "Region (prefecture)"),
    "join.field_contact_name": ("担当者名", "Contact name"),
    "join.field_contact_email": ("担当者のメールアドレス", "Contact e-mail address"),
    "join.field_commitment": ("参画要件「{commitment}」", "Commitment \u201c{commitment}\u201d"),
    "join.choose_region": ("選んでください", "Choose"),
    "join.contact_email_hint": (
        "承認されると、このアドレスの担当者がポータルの最初のユーザーになります。",
        "Once approved, the contact at this address becomes the portal's first user for your organisation.",
    ),
    "join.commitments": ("参画要件への同意", "Commitments"),
    "join.commitments_intro": (
        "{kind}の参画要件です。すべてに同意してください（期限は参画日から数えます）。",
        "The commitments of this kind ({kind}). Accept every one (deadlines count from the joining date).",
    ),
    "join.due_joined_plus_months": ("参画から {months} か月以内", "within {months} months of joining"),
    "join.due_last_follow_up_plus_interval": (
        "前回のフォローアップから {months} か月ごと（毎年）",
        "every {months} months after the last follow-up (yearly)",
    ),
    "join.due_last_disclosure_plus_interval": (
        "前回の公表から {months} か月ごと",
        "every {months} months after the last disclosure",
    ),
    "join.due_next_plan_revision": (
        "次回の環境基本計画の改定時",
        "at the next revision of the environmental basic plan",
    ),
    "join.submit": ("申請を送信する", "Send the application"),
    "join.missing_organisation_name": ("団体名を入力してください。", "Enter the organisation's name."),
    "join.too_long_organisation_name": (
        "団体名は200文字以内にしてください。",
        "Shorten the organisation's name to 200 characters at most.",
    ),
    "join.bad_kind": ("種別を一覧から選んでください。", "Choose a kind from the list."),
    "join.bad_region": (
        "所在地の都道府県を一覧から選んでください（全国的な団体は「全国」）。",
        "Choose the prefecture from the list (a nationwide organisation: All Japan).",
    ),
    "join.missing_contact_name": ("担当者名を入力してください。", "Enter the contact's name."),
    "join.too_long_contact_name": (
        "担当者名は200文字以内にしてください。",
        "Shorten the contact's name to 200 characters at most.",
    ),
    "join.missing_contact_email": (
        "担当者のメールアドレスを入力してください。",
        "Enter the contact's e-mail address.",
    ),
    "join.bad_contact_email": (
        "メールアドレスの形式が正しくありません（例: kankyo@city.example.lg.jp）。",
        "That is not an e-mail address; write it as e.g. kankyo@city.example.lg.jp.",
    ),
    "join.missing_commitment": (
        "この参画要件に同意する場合はチェックを入れてください。同意できない場合は事務局に相談してください。",
        "Tick this commitment to accept it; if you cannot, talk to the secretariat first.",
    ),
    "join.too_many": (
        "このネットワークから1時間に送信できる申請（{n} 件）を超えたため、この申請は受け付けていません。"
        "{until}（日本時間）以降にもう一度送信してください。",
        "More applications were sent from your network than the {n} an hour it may send: this one was not "
        "received. Send it again after {until} (Japan time).",
    ),
    "join.sent": ("申請を受け付けました。", "Your application was received."),
    "join.sent_title": ("申請を受け付けました", "Application received"),
    "join.next_steps": (
        "事務局が内容を確認し、担当者のメールアドレスに連絡します。承認されると、ポータルのパスワードを設定する招待リンクが届きます。",
        "The secretariat reviews it and writes to the contact's address. Once approved, the contact receives an "
        "invitation link to set a portal password.",
    ),
    "applications.title": ("参画申請", "Applications"),
    "applications.n_waiting": ("{n} 件が判断待ち", "{n} waiting for a decision"),
    "applications.waiting": ("判断待ち", "Waiting for a decision"),
    "applications.decided": ("判断済み", "Decided"),
    "applications.none_waiting": ("判断待ちの申請はありません。", "No application is waiting."),
    "applications.none_decided": ("判断済みの申請はまだありません。", "No application has been decided yet."),
    "applications.submitted_at": ("申請日時", "Submitted"),
    "applications.status": ("状態", "Status"),
    "applications.status_submitted": ("判断待ち", "Waiting"),
    "applications.status_approved": ("承認済み", "Approved"),
    "applications.status_returned": ("差し戻し", "Returned"),
    "applications.note": ("事務局からの連絡", "Note from the secretariat"),
    "applications.commitments_accepted": ("同意した参画要件", "Commitments accepted"),
    "applications.accepted_at": ("{at} UTC に同意", "accepted {at} UTC"),
    "applications.approve": ("承認する", "Approve"),
    "applications.approve_intro": (
        "承認すると会員として登録し（junkan members add と同じ処理）、参画日から義務の期限が始まります。"
        "担当者の招待リンクを一度だけ表示します。",
        "Approving registers the member (as junkan members add does); its obligations start on the joining date. "
        "The contact's invitation link is shown once.",
    ),
    "applications.field_member_id": ("会員ID", "Member id"),
    "applications.member_id_hint": (
        "英小文字・数字・-・_ の2〜64文字（例: city-kitakyushu）。後から変えられません。",
        "2 to 64 lower-case letters, digits, - and _ (e.g. city-kitakyushu); it cannot change later.",
    ),
    "applications.field_joined_on": ("参画日", "Joining date"),
    "applications.joined_on_hint": ("義務の期限はこの日から数えます。", "Obligations' deadlines count from this day."),
    "applications.field_note": ("差し戻しの理由（申請者に伝える内容）", "Why it is returned (for the applicant)"),
    "applications.field_contact_email": ("担当者のメールアドレス", "Contact e-mail address"),
    "applications.field_application_id": ("申請", "Application"),
    "applications.approve_button": ("承認して会員に登録する", "Approve and register the member"),
    "applications.return": ("差し戻す", "Return"),
    "applications.return_button": ("差し戻す", "Return the application"),
    "applications.bad_member_id": (
        "会員IDは英小文字・数字・-・_ の2〜64文字にしてください（先頭は英小文字か数字）。",
        "Use 2 to 64 lower-case letters, digits, - and _, starting with a letter or digit.",
    ),
    "applications.member_exists": (
        "この会員IDはすでに登録されています。別のIDにしてください。",
        "A member is already registered with this id: choose another.",
    ),
    "applications.bad_joined_on": (
        "参画日を YYYY-MM-DD（例: 2026-04-01）で入力してください。",
        "Enter the joining date as YYYY-MM-DD, e.g. 2026-04-01.",
    ),
    "applications.future_joined_on": (
        "参画日は今日以前にしてください。",
        "The joining date must be today or earlier.",
    ),
    "applications.not_registered": (
        "会員として登録できませんでした。会員IDと申請内容を確認してください。",
        "The member could not be registered: check the member id and the application.",
    ),
    "applications.missing_note": (
        "申請者に伝える差し戻しの理由を入力してください。",
        "Write why the application is returned, for the applicant.",
    ),
    "applications.too_long_note": ("理由は2000文字以内にしてください。", "Keep the note to 2000 characters."),
    "applications.unknown": ("その申請は見つかりません。", "No such application."),
    "applications.already_decided": (
        "この申請はすでに承認または差し戻されています（別の担当者が先に判断したのかもしれません）。"
        "今回の操作は記録していません。",
        "This application has already been approved or returned (perhaps by someone else a moment before): "
        "this decision was not recorded.",
    ),
    "applications.returned": ("申請を差し戻しました。", "The application was returned."),
    "applications.approved_title": ("会員に登録しました", "Member registered"),
    "applications.approved": (
        "{name}（{member_id}）を {joined_on} 参画の会員として登録しました。",
        "{name} ({member_id}) is registered as a member that joined on {joined_on}.",
    ),
    "applications.to_member": ("会員のページへ", "To the member's page"),
}
