"""The portal's web frame: the FastAPI app with sessions, CSRF and security headers, and how a page is rendered.

`create_base_app(settings, resources)` gives an app that logs users in and renders pages but has no member pages
yet; `flows.portal.create_app` adds the routers of the entry points (members' pages, the API, the
secretariat's side). What a library does, the library does: Starlette's `SessionMiddleware` signs the session
cookie (itsdangerous; HttpOnly, SameSite=Lax), asgi-csrf checks a signed double-submit token on every POST,
form or multipart (the token must be a form's first field, before any file), argon2-cffi hashes passwords.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from asgi_csrf import Errors, asgi_csrf  # type: ignore[import-untyped]
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup, escape
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from infra.ledger import PortalUser
from infra.portal.accounts import Accounts
from infra.portal.i18n import Language, language, translate
from infra.portal.multipart_token import MultipartTokenHeader
from infra.portal.throttle import AddressThrottle
from infra.resources import Resources
from infra.settings import Settings

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "junkan_session"
CSRF_COOKIE = "junkan_csrf"
CSRF_FIELD = "csrftoken"  # asgi-csrf's form field; the first field of every form
API_PREFIX = "/api/"
SECURITY_HEADERS = {
    # Scripts and styles only from the portal itself: a member's cell that slipped through as markup still
    # could not run.
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # Invitation links carry their token in the path: never send it on as a referrer.
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


@dataclass(frozen=True)
class PortalState:
    """What routes reach through `request.app.state.portal`: settings, resources, accounts and the joining limit."""

    settings: Settings
    resources: Resources
    accounts: Accounts
    join_throttle: AddressThrottle


class LoginRequired(Exception):  # noqa: N818 - a redirect, not an error
    """Raised by the auth dependencies when a page needs a login: the browser goes to the login page."""


def portal_state(request: Request) -> PortalState:
    """The portal's settings, resources and accounts."""
    state: PortalState = request.app.state.portal
    return state


def portal_secret(settings: Settings) -> str:
    """The key that signs sessions and CSRF tokens: the setting, or a random one kept in home/portal/secret-key."""
    configured = settings.portal_secret_key.get_secret_value()
    if configured:
        return configured
    path = settings.resolved_home / "portal" / "secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


# --- rendering ---------------------------------------------------------------------------------------------------


def environment() -> jinja2.Environment:
    """The portal's Jinja environment: its own templates, autoescaped, strict about undefined names."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = lambda value, digits=0: "–" if value is None else f"{value:,.{digits}f}"
    return env


_ENVIRONMENT: list[jinja2.Environment] = []


def _environment() -> jinja2.Environment:
    if not _ENVIRONMENT:
        _ENVIRONMENT.append(environment())
    return _ENVIRONMENT[0]


def request_language(request: Request) -> Language:
    """The language of this request: the session's choice, else Japanese."""
    return language(request.session.get("lang"))


def csrf_token(request: Request) -> str:
    """The request's CSRF token (asgi-csrf sets the matching cookie on the response)."""
    getter: Callable[[], str] | None = request.scope.get("csrftoken")
    return "" if getter is None else getter()  # an error page outside the CSRF middleware has no form


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    user: PortalUser | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A page from the templates, with `t` (the catalogue in the request's language), `csrf_field` and the user."""
    lang = request_language(request)
    token = csrf_token(request)
    values: dict[str, Any] = {
        "request_path": request.url.path,
        "lang": lang,
        "t": lambda key, **fields: translate(key, lang, **fields),
        "csrf_field": lambda: Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">'),
        "user": user,
        "flash": request.session.pop("flash", None),
    }
    values.update(context or {})
    html = _environment().get_template(name).render(values)
    return HTMLResponse(html, status_code=status_code)


def flash(request: Request, key: str, **fields: object) -> None:
    """A catalogue message (with its fields) for the next page the browser opens (after a redirect)."""
    request.session["flash"] = [key, fields]


def redirect(path: str) -> RedirectResponse:
    """See other: after a POST, the browser GETs the page (a reload does not send the form again)."""
    return RedirectResponse(path, status_code=303)


def local_path(candidate: str | None, *, default: str = "/") -> str:
    """A path on this site to go back to; anything else (another host, `//evil`) gives the default.

    Examples:
        >>> local_path("/member?x=1"), local_path("//evil.example"), local_path("https://evil.example")
        ('/member?x=1', '/', '/')

    """
    if candidate and candidate.startswith("/") and not candidate.startswith(("//", "/\\")):
        return candidate
    return default


# --- the app -----------------------------------------------------------------------------------------------------


class _EveryPath:
    """asgi-csrf lets a POST without cookies through unless its path is 'always protected': protect every path."""

    def __contains__(self, path: object) -> bool:
        return True


def _csrf_failed() -> Callable[[Scope, Send, Errors], Awaitable[None]]:
    async def send_failed(scope: Scope, send: Send, error: Errors) -> None:
        logger.info("CSRF check failed on %s: %s", scope.get("path"), error.name)
        lang = language(_session_language(scope))
        body = (
            "<!doctype html><meta charset=utf-8><title>403</title>"
            f'<p>{translate("error.csrf", lang)}</p><p><a href="/">{translate("site.home", lang)}</a></p>'
        ).encode()
        await send(
            {"type": "http.response.start", "status": 403, "headers": [(b"content-type", b"text/html; charset=utf-8")]}
        )
        await send({"type": "http.response.body", "body": body})

    return send_failed


def _session_language(scope: Scope) -> object:
    session = scope.get("session")
    return session.get("lang") if isinstance(session, dict) else None


def _csrf_middleware(app: ASGIApp, *, settings: Settings, secret: str) -> ASGIApp:
    wrapped: ASGIApp = asgi_csrf(
        app,
        cookie_name=CSRF_COOKIE,
        signing_secret=secret,
        always_protect=_EveryPath(),
        cookie_secure=settings.portal_secure_cookies,
        cookie_samesite="Strict",
        send_csrf_failed=_csrf_failed(),
    )
    return wrapped


class _SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {key.lower() for key, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in present]
                if scope["path"].startswith("/api/docs"):  # Swagger UI loads its scripts from a CDN: no CSP there
                    extra = [(k, v) for k, v in extra if k != b"content-security-policy"]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)  # type: ignore[arg-type]


def create_base_app(settings: Settings, resources: Resources) -> FastAPI:
    """The portal without pages: sessions, CSRF, headers, error pages, static files (`infra.portal.auth` logs in)."""
    app = FastAPI(
        title="junkan members' portal API",
        summary="Submit circular-economy data files, follow their validation and read reports and your own data.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.portal = PortalState(
        settings=settings,
        resources=resources,
        accounts=Accounts(resources.ledger, settings),
        join_throttle=AddressThrottle(limit=settings.portal_join_max_per_hour, window=timedelta(hours=1)),
    )
    secret = portal_secret(settings)
    # Outermost last: headers → sessions → a multipart form's token as a header → CSRF → routes (the CSRF failure
    # page reads the session's language).
    app.add_middleware(_csrf_middleware, settings=settings, secret=secret)
    refuse_upload = _csrf_failed()
    app.add_middleware(
        MultipartTokenHeader, refuse=lambda scope, send: refuse_upload(scope, send, Errors.MULTIPART_MISMATCH)
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=int(settings.portal_session_hours * 3600),
        same_site="lax",
        https_only=settings.portal_secure_cookies,
    )
    app.add_middleware(_SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _add_error_pages(app)
    return app


def _add_error_pages(app: FastAPI) -> None:
    """Errors as pages in the user's language (as JSON under /api/), never with a traceback or a secret."""

    def _page(request: Request, status_code: int, key: str) -> Response:
        lang = request_language(request) if "session" in request.scope else "ja"
        if request.url.path.startswith(API_PREFIX):
            return JSONResponse({"detail": translate(key, "en")}, status_code=status_code)
        return render(request, "error.html", {"message": translate(key, lang)}, status_code=status_code)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _: LoginRequired) -> Response:
        if request.url.path.startswith(API_PREFIX):
            return JSONResponse({"detail": "authentication required"}, status_code=401)
        flash(request, "login.required")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(f"/login?next={quote(target, safe='')}")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if request.url.path.startswith(API_PREFIX):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)
        key = {403: "error.forbidden", 404: "error.not_found"}.get(error.status_code, "error.internal")
        return _page(request, error.status_code, key)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        if request.url.path.startswith(API_PREFIX):
            # What was wrong, never the values sent (a password field, a token).
            problems = [{"loc": list(one.get("loc", ())), "msg": one.get("msg", "")} for one in error.errors()]
            return JSONResponse({"detail": problems}, status_code=422)
        return _page(request, 400, "error.not_found")

    @app.exception_handler(Exception)
    async def internal(request: Request, error: Exception) -> Response:
        logger.error("portal error on %s: %s", request.url.path, type(error).__name__)
        return _page(request, 500, "error.internal")
