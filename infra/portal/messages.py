"""Every string the portal shows, in Japanese (the default) and English: the one catalogue.

A key is `area.what`; a value is (日本語, English), with `{name}` fields filled by `infra.portal.i18n.translate`.
Pages and routes name keys, never text, so a page cannot show a string only one language has; a test checks that
every key a template or module names is here.
"""

from __future__ import annotations

from typing import Final

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
    # API tokens
    "tokens.member_only": ("API トークンは会員のユーザーだけが作れます。", "Only members' users create API tokens."),
    "tokens.bad_name": (
        "トークンの名前を1〜100文字で入力してください。",
        "Give the token a name of 1 to 100 characters.",
    ),
}
