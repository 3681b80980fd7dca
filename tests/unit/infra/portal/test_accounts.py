from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from infra.portal.accounts import AccountError, LoginResult, sha256
from tests.portal_helpers import PASSWORD, Portal, make_portal


@pytest.fixture
def portal(tmp_path: Path) -> Portal:
    return make_portal(tmp_path, portal_login_max_failures=3, portal_login_failure_delay_seconds=0.25)


def test_an_invitation_sets_a_password_once_and_keeps_only_hashes(portal: Portal) -> None:
    user, token = portal.accounts.invite("Officer@City-A.example.jp", member_id="city-a", created_by="test")
    assert user.email == "officer@city-a.example.jp"
    assert user.password_hash is None
    assert portal.resources.ledger.invitation_by_token(token) is None  # never stored as itself
    assert portal.resources.ledger.invitation_by_token(sha256(token)) is not None

    done = portal.accounts.accept_invitation(token, PASSWORD, PASSWORD)

    assert done.password_hash is not None
    assert done.password_hash.startswith("$argon2id$")
    assert PASSWORD not in done.password_hash
    with pytest.raises(AccountError, match=r"invitation\.used"):
        portal.accounts.accept_invitation(token, PASSWORD, PASSWORD)


def test_passwords_too_short_or_mismatched_are_refused(portal: Portal) -> None:
    _, token = portal.accounts.invite("a@city-a.example.jp", member_id="city-a", created_by="test")
    with pytest.raises(AccountError, match=r"password\.too_short"):
        portal.accounts.accept_invitation(token, "short", "short")
    with pytest.raises(AccountError, match=r"password\.mismatch"):
        portal.accounts.accept_invitation(token, PASSWORD, PASSWORD + "x")
    portal.accounts.accept_invitation(token, PASSWORD, PASSWORD)  # the link still works after a refusal


def test_an_address_is_never_moved_to_another_member(portal: Portal) -> None:
    portal.accounts.invite("a@example.jp", member_id="city-a", created_by="test")
    with pytest.raises(AccountError, match=r"invite\.other_member"):
        portal.accounts.invite("a@example.jp", member_id="corp-b", created_by="test")
    with pytest.raises(AccountError, match=r"invite\.unknown_member"):
        portal.accounts.invite("b@example.jp", member_id="nobody", created_by="test")


def test_failed_logins_are_slowed_then_locked_even_with_the_right_password(portal: Portal) -> None:
    email = portal.member_user("city-a", "officer@city-a.example.jp")
    outcomes = [portal.accounts.login(email, "wrong password!") for _ in range(3)]
    assert [one.result for one in outcomes] == [LoginResult.wrong, LoginResult.wrong, LoginResult.locked]
    assert [one.delay_seconds for one in outcomes] == [0.25, 0.5, 1.0]  # doubles with each failure in a row
    assert portal.accounts.login(email, PASSWORD).result is LoginResult.locked


def test_an_unknown_address_fails_and_locks_like_a_known_one(portal: Portal) -> None:
    outcomes = [portal.accounts.login("nobody@example.jp", PASSWORD).result for _ in range(3)]
    assert outcomes == [LoginResult.wrong, LoginResult.wrong, LoginResult.locked]


def test_failed_logins_arriving_together_each_count_towards_the_lock(portal: Portal) -> None:
    # A script guessing in parallel: every attempt reads "no failures yet" before any of them is recorded.
    email = portal.member_user("city-a", "officer@city-a.example.jp")
    start = threading.Barrier(8)

    def guess(_: int) -> LoginResult:
        start.wait()
        return portal.accounts.login(email, "wrong password!").result

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(guess, range(8)))

    assert LoginResult.ok not in results
    assert LoginResult.locked in results  # the attempts that made it the 3rd failure or later locked it
    failures = portal.resources.ledger.login_failures(email)
    assert failures is not None
    assert failures.n_failures == 8
    assert portal.accounts.login(email, PASSWORD).result is LoginResult.locked


def test_a_success_forgets_earlier_failures(portal: Portal) -> None:
    email = portal.member_user("city-a", "officer@city-a.example.jp")
    portal.accounts.login(email, "wrong password!")
    portal.accounts.login(email, "wrong password!")
    assert portal.accounts.login(email, PASSWORD).result is LoginResult.ok
    assert portal.accounts.login(email, "wrong password!").delay_seconds == 0.25


def test_api_tokens_are_stored_hashed_and_stop_when_revoked(portal: Portal) -> None:
    email = portal.member_user("city-a", "officer@city-a.example.jp")
    user = portal.resources.ledger.user_by_email(email)
    assert user is not None
    token, secret = portal.accounts.create_api_token(user, "基幹システム")
    assert secret.startswith("jk_")
    assert portal.resources.ledger.api_token_by_hash(secret) is None
    found = portal.accounts.token_user(secret)
    assert found is not None
    assert found[1].member_id == "city-a"

    assert not portal.resources.ledger.revoke_api_token(token.token_id, member_id="corp-b")  # not its token
    assert portal.accounts.token_user(secret) is not None
    assert portal.resources.ledger.revoke_api_token(token.token_id, member_id="city-a")
    assert portal.accounts.token_user(secret) is None
