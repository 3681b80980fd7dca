"""The portal's two languages: Japanese by default, English on request; strings come from `messages.MESSAGES`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Final, Literal

from infra.portal.messages import MESSAGES

Language = Literal["ja", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("ja", "en")
DEFAULT_LANGUAGE: Final[Language] = "ja"
JAPAN_TIME = timezone(timedelta(hours=9))


def language(code: object) -> Language:
    """A language the portal speaks: the code if it is one, else Japanese.

    Examples:
        >>> language("en"), language("fr"), language(None)
        ('en', 'ja', 'ja')

    """
    return "en" if code == "en" else DEFAULT_LANGUAGE


def translate(key: str, lang: Language, /, **fields: object) -> str:
    """The catalogue's text for `key` in `lang`, its `{fields}` filled; KeyError for a key nobody wrote.

    Examples:
        >>> translate("login.title", "en")
        'Log in'
        >>> translate("site.logged_in_as", "ja", email="a@example.jp")
        'a@example.jp でログイン中'

    """
    japanese, english = MESSAGES[key]
    text = english if lang == "en" else japanese
    return text.format(**fields) if fields else text


def japan_time(at: datetime) -> str:
    """A moment as members read it in a message: Japan time to the minute (the message says "Japan time").

    Examples:
        >>> from datetime import UTC
        >>> japan_time(datetime(2026, 4, 1, 15, 30, 59, tzinfo=UTC))
        '2026-04-02 00:30'

    """
    return at.astimezone(JAPAN_TIME).strftime("%Y-%m-%d %H:%M")
