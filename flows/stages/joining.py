"""Joining the partnership (参画申請): an organisation applies, the secretariat approves or returns the application.

An application names the organisation, its kind and region, a contact, and accepts each commitment of its kind:
the obligations `schemas.obligations` lists for that kind, which start on the day the member joins. Approving
registers the member through the same path as `junkan members add` (`import_members`), with the joining date the
secretariat gives, and invites the contact (the same one-time link as `junkan members invite`). Returning keeps
the application unapproved, with the secretariat's note. The portal and the CLI both call these functions.

Refusals carry message keys of the portal's catalogue (`infra.portal.messages`) and the field they are about, so
that a form can say which field to fix and the CLI can print the English text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flows.stages.members import import_members, member_rows
from infra.ledger import JoinApplication, Ledger, Member
from infra.ledger.accounts import normalize_email
from infra.ledger.session import now
from infra.portal.accounts import AccountError, Accounts
from infra.resources import Resources
from schemas import vocabulary as v
from schemas.members import MEMBER_ID_PATTERN
from schemas.obligations import OBLIGATIONS, Obligation, rules_for
from schemas.regions import NATIONAL, PREFECTURE_CODES

MAX_NAME_CHARS = 200  # the join_applications table's and the members contract's limit
MAX_EMAIL_CHARS = 254
MAX_NOTE_CHARS = 2000
REGION_CODES = (*PREFECTURE_CODES, NATIONAL)  # a prefecture, or JP for a nationwide organisation


@dataclass(frozen=True)
class Commitment:
    """One commitment an applicant of a kind accepts: an obligation of its kind, its due rule and labels."""

    obligation: str
    due_rule: str
    months: int
    label_ja: str
    label_en: str


def commitments(kind: str) -> tuple[Commitment, ...]:
    """The commitments of a kind of member, in the obligations' order (empty for an unknown kind)."""
    labels = v.labels(OBLIGATIONS)
    rules: tuple[Obligation, ...] = rules_for(kind)
    return tuple(
        Commitment(
            rule.obligation,
            rule.due_rule,
            rule.months,
            labels[rule.obligation].label_ja,
            labels[rule.obligation].label_en,
        )
        for rule in rules
    )


@dataclass(frozen=True)
class Problem:
    """A field to fix and the catalogue key that says what to do."""

    field: str
    code: str


class JoiningError(ValueError):
    """An application or a decision refused: every problem, each naming its field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(", ".join(f"{one.field}: {one.code}" for one in problems))
        self.problems = problems


@dataclass(frozen=True)
class ApplicationForm:
    """What an applicant typed and ticked."""

    organisation_name: str
    kind: str
    region: str
    contact_name: str
    contact_email: str
    accepted: frozenset[str]  # obligation codes of the commitments ticked


def application_problems(form: ApplicationForm) -> list[Problem]:
    """Every field of an application that must change before it can be sent, in the form's order."""
    found: list[Problem] = []
    name = form.organisation_name.strip()
    if not name:
        found.append(Problem("organisation_name", "join.missing_organisation_name"))
    elif len(name) > MAX_NAME_CHARS:
        found.append(Problem("organisation_name", "join.too_long_organisation_name"))
    if form.kind not in v.MEMBER_KIND_CODES:
        found.append(Problem("kind", "join.bad_kind"))
    if form.region not in REGION_CODES:
        found.append(Problem("region", "join.bad_region"))
    contact = form.contact_name.strip()
    if not contact:
        found.append(Problem("contact_name", "join.missing_contact_name"))
    elif len(contact) > MAX_NAME_CHARS:
        found.append(Problem("contact_name", "join.too_long_contact_name"))
    email = form.contact_email.strip()
    if not email:
        found.append(Problem("contact_email", "join.missing_contact_email"))
    elif not _looks_like_email(email):
        found.append(Problem("contact_email", "join.bad_contact_email"))
    found += [
        Problem(f"commitment_{one.obligation}", "join.missing_commitment")
        for one in commitments(form.kind)
        if one.obligation not in form.accepted
    ]
    return found


def _looks_like_email(email: str) -> bool:
    """One @ between a name and a domain with a dot, no blanks: enough to catch a typo, not to prove delivery."""
    local, at, domain = email.rpartition("@")
    return (
        bool(at and local and "." in domain.strip("."))
        and len(email) <= MAX_EMAIL_CHARS
        and not any(character.isspace() for character in email)
    )


def submit_application(ledger: Ledger, form: ApplicationForm) -> JoinApplication:
    """Record an application whose fields and commitments are all there; JoiningError naming each one missing."""
    problems = application_problems(form)
    if problems:
        raise JoiningError(problems)
    return ledger.add_join_application(
        organisation_name=form.organisation_name.strip(),
        kind=form.kind,
        region=form.region,
        contact_name=form.contact_name.strip(),
        contact_email=form.contact_email.strip(),
        commitments_accepted_at=now(),
    )


@dataclass(frozen=True)
class Approval:
    """An approved application: the member it became and the contact's one-time invitation link."""

    application: JoinApplication
    member: Member
    invitation_link: str


def _decide(
    ledger: Ledger, application_id: str, *, status: str, decided_by: str, note: str | None = None
) -> JoinApplication:
    """Take the decision if the application still waits for one; the ledger's guarded update is the only check.

    Reading the status first and writing it after would let two secretariat users, deciding at once, both pass.
    """
    decided = ledger.decide_join_application(application_id, status=status, decided_by=decided_by, note=note)
    if decided is None:
        code = (
            "applications.unknown"
            if ledger.get_join_application(application_id) is None
            else "applications.already_decided"
        )
        raise JoiningError([Problem("application_id", code)])
    return decided


def approve_application(
    resources: Resources,
    accounts: Accounts,
    application_id: str,
    *,
    member_id: str,
    joined_on: date,
    decided_by: str,
) -> Approval:
    """Register the applicant as a member from `joined_on` (its obligations start then) and invite its contact.

    The decision, the member and the invitation are one transaction: the decision is taken first, and any refusal
    after it (a member id taken, a contact with an account) undoes it, so nothing is half done.
    """
    ledger = resources.ledger
    if accounts.ledger is not ledger:
        msg = "the accounts must be over the resources' ledger: the invitation belongs to the approval's transaction"
        raise ValueError(msg)
    member_id = member_id.strip()
    with ledger.batch():
        application = _decide(ledger, application_id, status="approved", decided_by=decided_by)
        problems = _approval_problems(ledger, application, member_id=member_id, joined_on=joined_on)
        if problems:
            raise JoiningError(problems)
        raw = member_rows(
            member_id=member_id,
            name=application.organisation_name,
            kind=application.kind,
            region=application.region,
            joined_on=joined_on.isoformat(),
        )
        imported = import_members(resources, raw, file=f"join application {application_id}")
        if imported.n_registered != 1:
            # The form's checks match the contract's; a refusal here means the contract grew a rule they lack.
            raise JoiningError([Problem("member_id", "applications.not_registered")])
        member = ledger.get_member(member_id)
        assert member is not None  # noqa: S101 - just registered
        try:
            _, token = accounts.invite(application.contact_email, member_id=member_id, created_by=decided_by)
        except AccountError as error:  # checked above; a race with another invitation of the same address
            raise JoiningError([Problem("contact_email", error.code)]) from None
        decided = ledger.record_join_member(application_id, member_id)
    return Approval(decided, member, accounts.invitation_link(token))


def _approval_problems(
    ledger: Ledger, application: JoinApplication, *, member_id: str, joined_on: date
) -> list[Problem]:
    """What stops an application becoming this member: its id, its joining date, a contact who has an account."""
    problems: list[Problem] = []
    if not re.fullmatch(MEMBER_ID_PATTERN, member_id):
        problems.append(Problem("member_id", "applications.bad_member_id"))
    elif ledger.get_member(member_id) is not None:
        problems.append(Problem("member_id", "applications.member_exists"))
    if joined_on > date.today():
        problems.append(Problem("joined_on", "applications.future_joined_on"))
    existing = ledger.user_by_email(application.contact_email)
    if existing is not None:  # an address is never moved from one member to another
        problems.append(Problem("contact_email", "invite.other_member"))
    return problems


def return_application(ledger: Ledger, application_id: str, *, note: str, decided_by: str) -> JoinApplication:
    """Send an application back unapproved with a note saying what to change (the note is required).

    Decided first, as an approval is, so that an application decided meanwhile says so before the note is judged;
    a refused note undoes the decision.
    """
    note = note.strip()
    with ledger.batch():
        decided = _decide(ledger, application_id, status="returned", decided_by=decided_by, note=note)
        if not note:
            raise JoiningError([Problem("note", "applications.missing_note")])
        if len(note) > MAX_NOTE_CHARS:
            raise JoiningError([Problem("note", "applications.too_long_note")])
    return decided


def suggested_member_id(application: JoinApplication) -> str:
    """A member id to start from: the kind and the contact's mail domain (the secretariat may change it).

    Examples:
        >>> from datetime import UTC, datetime
        >>> at = datetime(2026, 4, 1, tzinfo=UTC)
        >>> one = JoinApplication("app-1", "北九州市", "municipality", "JP-40", "担当", "eco@City.Kitakyushu.lg.jp",
        ...     at, at, "submitted")
        >>> suggested_member_id(one)
        'municipality-city-kitakyushu'

    """
    domain = normalize_email(application.contact_email).rpartition("@")[2]
    parts = [part for part in domain.split(".") if part not in {"lg", "jp", "co", "ac", "or", "go", "ne", "com"}]
    stem = "-".join(parts[:2]) or "member"
    cleaned = "".join(character if character.isalnum() or character == "-" else "-" for character in stem)
    return f"{application.kind.split('_')[0]}-{cleaned}"[:64].strip("-")
