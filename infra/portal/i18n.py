"""The portal's two languages: Japanese by default, English on request; strings come from `messages.MESSAGES`."""

from __future__ import annotations

from typing import Final, Literal

from infra.portal.messages import MESSAGES

Language = Literal["ja", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("ja", "en")
DEFAULT_LANGUAGE: Final[Language] = "ja"


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
