"""Who is asking: the auth dependencies every route names, and the pages that log in, out and accept invitations.

- `current_user`: a logged-in user (a browser session); otherwise the browser is sent to the login page.
- `current_member_user`: a member's user; a page for members takes this and reads `user.member_id`, never a
  member id from the URL.
- `current_secretariat_user`: a secretariat user; anyone else gets 403.
- `api_member_user`: the user of a live API token (`Authorization: Bearer jk_…`); the API never reads the session
  cookie, so a browser cannot be tricked into calling it (CSRF) and a token cannot be widened by a cookie.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from infra.ledger import PortalUser
from infra.portal.accounts import MIN_PASSWORD_CHARS, AccountError, LoginResult
from infra.portal.i18n import LANGUAGES, japan_time, language
from infra.portal.web import LoginRequired, flash, local_path, portal_state, redirect, render


def current_user(request: Request) -> PortalUser:
    """The logged-in user of this browser session."""
    user_id = request.session.get("user_id")
    issued_at = request.session.get("issued_at")
    if not isinstance(user_id, str) or not isinstance(issued_at, int | float):
        raise LoginRequired
    user = portal_state(request).accounts.session_user(user_id, issued_at=float(issued_at))
    if user is None:
        request.session.clear()
        raise LoginRequired
    return user


def current_member_user(user: Annotated[PortalUser, Depends(current_user)]) -> PortalUser:
    """A member's user: its pages show that member's data only."""
    if user.member_id is None:
        raise HTTPException(status_code=403)
    return user


def current_secretariat_user(user: Annotated[PortalUser, Depends(current_user)]) -> PortalUser:
    """A secretariat user."""
    if not user.is_secretariat:
        raise HTTPException(status_code=403)
    return user


_bearer = HTTPBearer(auto_error=False, description="An API token made on the portal's API tokens page (jk_…)")


def api_member_user(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> PortalUser:
    """The member's user a live API token belongs to; 401 for no token, an unknown or a revoked one."""
    found = None if credentials is None else portal_state(request).accounts.token_user(credentials.credentials)
    if found is None:
        raise HTTPException(
            status_code=401, detail="a live API token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    return found[1]


MemberUser = Annotated[PortalUser, Depends(current_member_user)]
SecretariatUser = Annotated[PortalUser, Depends(current_secretariat_user)]
ApiUser = Annotated[PortalUser, Depends(api_member_user)]

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002 - the query's name
    """The login form."""
    return render(request, "login.html", {"next": local_path(next), "email": ""})


@router.post("/login")
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/",  # noqa: A002 - the form field's name
) -> Response:
    """Check the password; a failure waits longer each time, repeated failures lock the address for a while."""
    outcome = await asyncio.to_thread(portal_state(request).accounts.login, email, password)
    if outcome.result is LoginResult.ok and outcome.user is not None:
        lang = request.session.get("lang")
        request.session.clear()  # a new session on login: nothing from before it is trusted
        request.session.update({"user_id": outcome.user.user_id, "issued_at": time.time(), "lang": language(lang)})
        return redirect(local_path(next))
    await asyncio.sleep(outcome.delay_seconds)
    if outcome.result is LoginResult.locked and outcome.locked_until is not None:
        error = ("login.locked", {"until": japan_time(outcome.locked_until)})
        status_code = 429
    else:
        error = ("login.wrong", {})
        status_code = 401
    return render(
        request, "login.html", {"next": local_path(next), "email": email, "error": error}, status_code=status_code
    )


@router.post("/logout")
def logout(request: Request) -> Response:
    """End the session."""
    lang = request.session.get("lang")
    request.session.clear()
    request.session["lang"] = language(lang)
    flash(request, "login.logged_out")
    return redirect("/login")


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str | None = None) -> Response:  # noqa: A002
    """Switch between Japanese and English (a link, so it works without JavaScript), back to the same page."""
    if code not in LANGUAGES:
        raise HTTPException(status_code=404)
    request.session["lang"] = code
    return redirect(local_path(next))


@router.get("/invitation/{token}")
def invitation_page(request: Request, token: str) -> Response:
    """The form that sets an invited user's password."""
    try:
        _, user = portal_state(request).accounts.open_invitation(token)
    except AccountError as error:
        return render(request, "error.html", {"message_key": error.code}, status_code=410)
    return render(request, "invitation.html", {"email": user.email, "minimum": MIN_PASSWORD_CHARS, "token": token})


@router.post("/invitation/{token}")
def accept_invitation(
    request: Request,
    token: str,
    password: Annotated[str, Form(max_length=1024)],
    confirmation: Annotated[str, Form(max_length=1024)],
) -> Response:
    """Set the password; the link is used up, and the user logs in with it."""
    accounts = portal_state(request).accounts
    try:
        accounts.accept_invitation(token, password, confirmation)
    except AccountError as error:
        if error.code.startswith("invitation."):
            return render(request, "error.html", {"message_key": error.code}, status_code=410)
        _, user = accounts.open_invitation(token)
        context = {"email": user.email, "minimum": MIN_PASSWORD_CHARS, "token": token, "error": (error.code, {})}
        return render(request, "invitation.html", context, status_code=400)
    request.session.clear()
    flash(request, "invitation.done")
    return redirect("/login")
