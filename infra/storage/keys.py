"""Object keys: where inbox files, quarantined rows and reports live, and which keys are safe.

Layout: `inbox/<member_id>/<dataset>/<file>`, `quarantine/<member_id>/<dataset>/<submission_id>.parquet`,
`reports/<member_id>/<dataset>/<submission_id>.html|.json` (and `.preview.html` beside a flows report,
`reports/<member_id>/declarations/recycled-material-report.html|.xlsx` beside its declarations' reports) and
`warehouse/...` (written by pyiceberg).
Every key is checked by `check_key` before it touches storage, so a crafted file name can never reach
outside a member's prefix or the storage root.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from infra.storage import INBOX, QUARANTINE, REPORTS
from schemas import DATASETS
from schemas.members import MEMBER_ID_PATTERN

MAX_KEY_BYTES = 1024  # S3's limit on a key
MAX_SEGMENT_BYTES = 255  # common file-system limit on one path component

# Characters that render like a path separator or a dot but survive NFKC normalisation.
LOOKALIKES: dict[str, str] = {
    "\u2044": "fraction slash",
    "\u2215": "division slash",
    "\u29f8": "big solidus",
    "\u2571": "box-drawing diagonal",
    "\u2216": "set minus",
    "\u29f5": "reverse solidus operator",
    "\u29f9": "big reverse solidus",
    "\u2572": "box-drawing diagonal",
}
# Unicode categories that have no business in a key: controls, invisible format characters
# (bidirectional overrides, zero-width joiners), separators, private use, surrogates, unassigned.
FORBIDDEN_CATEGORIES: dict[str, str] = {
    "Cc": "a control character",
    "Cf": "an invisible formatting character (e.g. a right-to-left override)",
    "Co": "a private-use character",
    "Cs": "a surrogate",
    "Cn": "an unassigned code point",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}
SUBMISSION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"

_MEMBER_ID = re.compile(MEMBER_ID_PATTERN)
_SUBMISSION_ID = re.compile(SUBMISSION_ID_PATTERN)


@dataclass(frozen=True)
class InboxKey:
    """A parsed inbox key: who sent which dataset in which file."""

    member_id: str
    dataset: str
    file_name: str

    @property
    def key(self) -> str:
        """The key this was parsed from."""
        return inbox_key(self.member_id, self.dataset, self.file_name)


def _reject(key: str, why: str) -> ValueError:
    return ValueError(
        f"unsafe storage key {key!r}: {why}; rename the file using plain characters and submit it again / "
        "ファイル名に使えない文字が含まれています。通常の文字に変更して再提出してください"
    )


def _check_characters(key: str, text: str) -> None:
    if unicodedata.normalize("NFKC", text) != text:
        changed = next(char for char in text if unicodedata.normalize("NFKC", char) != char)
        raise _reject(
            key,
            f"it contains {changed!r} (U+{ord(changed):04X}), a character with a look-alike or width variant; "
            "use its plain form (for example half-width letters and digits)",
        )
    for char in text:
        if char == "\\":
            raise _reject(key, "it contains a backslash; use '/' between folders")
        if char in LOOKALIKES:
            raise _reject(key, f"it contains U+{ord(char):04X} ({LOOKALIKES[char]}), which looks like a separator")
        category = unicodedata.category(char)
        if category in FORBIDDEN_CATEGORIES:
            raise _reject(key, f"it contains U+{ord(char):04X}, {FORBIDDEN_CATEGORIES[category]}")


def check_key(key: str) -> str:
    """Return `key` unchanged when it is a safe relative POSIX key, or raise ValueError saying why not.

    Examples:
        >>> check_key("inbox/city-kitakyushu/flows/2024.csv")
        'inbox/city-kitakyushu/flows/2024.csv'
        >>> check_key("inbox/../../etc/passwd")
        Traceback (most recent call last):
        ...
        ValueError: unsafe storage key 'inbox/../../etc/passwd': it has a '..' segment; ...

    """
    if not isinstance(key, str) or not key:
        raise _reject(str(key), "it is empty")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise _reject(key, f"it is longer than {MAX_KEY_BYTES} bytes")
    _check_characters(key, key)
    if key.startswith("/"):
        raise _reject(key, "it is an absolute path; keys are relative to the storage root")
    for segment in key.split("/"):
        if segment == "":
            raise _reject(key, "it has an empty segment ('//' or a trailing '/')")
        if segment in (".", ".."):
            raise _reject(key, f"it has a {segment!r} segment")
        if segment != segment.strip():
            raise _reject(key, f"segment {segment!r} starts or ends with white space")
        if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
            raise _reject(key, f"segment {segment[:40]!r}… is longer than {MAX_SEGMENT_BYTES} bytes")
    if ":" in key.split("/", 1)[0]:
        raise _reject(key, "its first segment contains ':' (a drive letter or URL scheme)")
    return key


def check_prefix(prefix: str) -> str:
    """Return a listing prefix unchanged when safe: empty, or a safe key optionally ending in '/'."""
    if prefix == "":
        return prefix
    check_key(prefix.removesuffix("/"))
    return prefix


def check_member_id(member_id: str) -> str:
    """Return a member id unchanged, or raise ValueError when it cannot be a key prefix."""
    if not isinstance(member_id, str) or not _MEMBER_ID.fullmatch(member_id):
        msg = (
            f"member_id {member_id!r} must be 2-64 lower-case letters, digits, '-' or '_' starting with a letter "
            f"or digit / member_id は英小文字・数字・-・_ の2〜64文字にしてください"
        )
        raise ValueError(msg)
    return member_id


def check_dataset(dataset: str) -> str:
    """Return a dataset name unchanged, or raise ValueError naming the datasets that exist."""
    if dataset not in DATASETS:
        msg = (
            f"unknown dataset {dataset!r}; use one of: {', '.join(DATASETS)} / "
            f"データセット名は次のいずれかにしてください: {', '.join(DATASETS)}"
        )
        raise ValueError(msg)
    return dataset


def check_submission_id(submission_id: str) -> str:
    """Return a submission id unchanged, or raise ValueError when it cannot be a file name."""
    if not isinstance(submission_id, str) or not _SUBMISSION_ID.fullmatch(submission_id):
        msg = f"submission id {submission_id!r} must match {SUBMISSION_ID_PATTERN}"
        raise ValueError(msg)
    return submission_id


# Separators that NFKC does turn into '/' or '\\' (full-width, small): refused in a file name, not escaped.
_SEPARATORS = frozenset("/\\")


def storage_name(file_name: str) -> str:
    """The safe storage segment of an ordinary file name; `original_name` gives the name back for the report.

    Characters with a width variant (full-width brackets `（）`, full-width letters and spaces) and `%` are
    percent-encoded, so the key is plain and NFKC-stable while the member's name survives exactly. Names
    that try to leave their folder (separators or look-alikes of one, `.`, `..`), and names with control or
    invisible characters, are refused. A name too long for one path segment keeps its start and gets a
    short hash of the whole name.

    Examples:
        >>> storage_name("報告書（令和6年度）プラスチック.csv")
        '報告書%EF%BC%88令和6年度%EF%BC%89プラスチック.csv'
        >>> original_name(storage_name("報告書（令和6年度）プラスチック.csv"))
        '報告書（令和6年度）プラスチック.csv'

    """
    if not file_name or file_name != file_name.strip():
        raise _reject(file_name, "a file name cannot be empty or start or end with white space")
    normalized = unicodedata.normalize("NFKC", file_name)
    for char in file_name:
        if char in LOOKALIKES:
            raise _reject(
                file_name, f"it contains U+{ord(char):04X} ({LOOKALIKES[char]}), which looks like a separator"
            )
        category = unicodedata.category(char)
        if category in FORBIDDEN_CATEGORIES:
            raise _reject(file_name, f"it contains U+{ord(char):04X}, {FORBIDDEN_CATEGORIES[category]}")
    if any(char in _SEPARATORS for char in normalized):
        raise _reject(
            file_name, "a file name cannot contain '/' or a backslash (nor a full-width or look-alike form of one)"
        )
    if normalized.strip() in (".", ".."):
        raise _reject(file_name, f"it is {normalized.strip()!r}")
    encoded = "".join(
        "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
        if char == "%" or unicodedata.normalize("NFKC", char) != char
        else char
        for char in file_name
    )
    if len(encoded.encode("utf-8")) > MAX_SEGMENT_BYTES:
        encoded = _shortened(encoded, hashlib.sha256(file_name.encode("utf-8")).hexdigest()[:8])
    return encoded


def _shortened(encoded: str, digest: str) -> str:
    """A segment cut to fit MAX_SEGMENT_BYTES: its start (whole characters and escapes), `~hash`, its suffix."""
    stem, dot, suffix = encoded.rpartition(".")
    if not dot or len(suffix) > 16:
        stem, suffix = encoded, ""
    tail = f"~{digest}" + (f".{suffix}" if suffix else "")
    room = MAX_SEGMENT_BYTES - len(tail.encode("utf-8"))
    kept = ""
    for piece in re.findall(r"%[0-9A-F]{2}|.", stem):
        if len((kept + piece).encode("utf-8")) > room:
            break
        kept += piece
    return kept + tail


def original_name(segment: str) -> str:
    """The member's file name from its storage segment (see `storage_name`)."""
    return re.sub(
        r"(?:%[0-9A-F]{2})+",
        lambda match: bytes.fromhex(match.group(0).replace("%", "")).decode("utf-8", errors="replace"),
        segment,
    )


def inbox_key(member_id: str, dataset: str, file_name: str) -> str:
    """Key of a file a member drops into their inbox; an ordinary name is mapped to a safe one (`storage_name`).

    Examples:
        >>> inbox_key("city-kitakyushu", "flows", "令和6年度.xlsx")
        'inbox/city-kitakyushu/flows/令和6年度.xlsx'

    """
    check_member_id(member_id)
    check_dataset(dataset)
    return check_key(f"{INBOX}/{member_id}/{dataset}/{storage_name(file_name)}")


def parse_inbox_key(key: str) -> InboxKey:
    """Split an inbox key into member, dataset and file name, or say why it is not one.

    Examples:
        >>> parse_inbox_key("inbox/city-kitakyushu/flows/2024.csv")
        InboxKey(member_id='city-kitakyushu', dataset='flows', file_name='2024.csv')

    """
    check_key(key)
    parts = key.split("/")
    if len(parts) != 4 or parts[0] != INBOX:
        msg = (
            f"{key!r} is not an inbox file: put files directly in inbox/<member_id>/<dataset>/ "
            f"(datasets: {', '.join(DATASETS)}) / inbox/<会員ID>/<データセット>/ の直下に置いてください"
        )
        raise ValueError(msg)
    _, member_id, dataset, segment = parts
    return InboxKey(check_member_id(member_id), check_dataset(dataset), original_name(segment))


def quarantine_key(member_id: str, dataset: str, submission_id: str) -> str:
    """Key of the Parquet file holding a submission's rejected rows."""
    check_member_id(member_id)
    check_dataset(dataset)
    check_submission_id(submission_id)
    return check_key(f"{QUARANTINE}/{member_id}/{dataset}/{submission_id}.parquet")


def report_key(member_id: str, dataset: str, submission_id: str, *, extension: Literal["html", "json"]) -> str:
    """Key of a submission's validation report, as HTML for people or JSON for tools.

    Examples:
        >>> report_key("city-kitakyushu", "flows", "s20250101T000000000000Z-0a1b2c3d4e5f", extension="json")
        'reports/city-kitakyushu/flows/s20250101T000000000000Z-0a1b2c3d4e5f.json'

    """
    if extension not in ("html", "json"):
        msg = f"report extension must be 'html' or 'json', not {extension!r}"
        raise ValueError(msg)
    check_member_id(member_id)
    check_dataset(dataset)
    check_submission_id(submission_id)
    return check_key(f"{REPORTS}/{member_id}/{dataset}/{submission_id}.{extension}")


def preview_key(member_id: str, dataset: str, submission_id: str) -> str:
    """Key of a submission's publication preview, beside its report in the member's report folder.

    Examples:
        >>> preview_key("city-kitakyushu", "flows", "s20250101T000000000000Z-0a1b2c3d4e5f")
        'reports/city-kitakyushu/flows/s20250101T000000000000Z-0a1b2c3d4e5f.preview.html'

    """
    report = report_key(member_id, dataset, submission_id, extension="html")
    return check_key(report.removesuffix(".html") + ".preview.html")


RECYCLED_MATERIAL_REPORT = "recycled-material-report"


def recycled_material_report_key(member_id: str, *, extension: Literal["html", "xlsx"]) -> str:
    """Key of a member's recycled-material report (all its years), beside its declarations' validation reports.

    Examples:
        >>> recycled_material_report_key("maker-a", extension="xlsx")
        'reports/maker-a/declarations/recycled-material-report.xlsx'

    """
    if extension not in ("html", "xlsx"):
        msg = f"recycled-material report extension must be 'html' or 'xlsx', not {extension!r}"
        raise ValueError(msg)
    check_member_id(member_id)
    return check_key(f"{REPORTS}/{member_id}/declarations/{RECYCLED_MATERIAL_REPORT}.{extension}")


def area_prefix(area: str, member_id: str | None = None, dataset: str | None = None) -> str:
    """Listing prefix of an area, optionally narrowed to a member and one of their datasets.

    Examples:
        >>> area_prefix("inbox", "city-kitakyushu")
        'inbox/city-kitakyushu/'

    """
    parts = [area]
    if member_id is not None:
        parts.append(check_member_id(member_id))
    if dataset is not None:
        if member_id is None:
            msg = "a dataset prefix needs a member_id"
            raise ValueError(msg)
        parts.append(check_dataset(dataset))
    return check_prefix("/".join(parts) + "/")
