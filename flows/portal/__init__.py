"""`junkan portal`: the members' door, a web application and an API over the same stages as the CLI.

`create_app(settings)` builds the app: the web frame (`infra.portal.web`: sessions, CSRF, login, invitations,
i18n, error pages) with the routers of `routers()`: the members' pages, the API, the secretariat's and joining.
Routes are as thin as CLI commands: they call `flows.stages` and `infra` and render what those return.
See docs/portal.md.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from infra.portal.web import create_base_app, redirect
from infra.resources import Resources, build_resources
from infra.settings import Settings


def create_app(settings: Settings, *, resources: Resources | None = None) -> FastAPI:
    """The portal for these settings (its resources built here unless given, as the tests do)."""
    from flows.stages.uploads import RunStarter

    app = create_base_app(settings, resources or build_resources(settings))
    app.state.runs = RunStarter(settings)
    for router in routers():
        app.include_router(router)

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        """Members go to their page, the secretariat to its own; nobody logged in to the login page."""
        from infra.portal.auth import current_user
        from infra.portal.web import LoginRequired

        try:
            user = current_user(request)
        except LoginRequired:
            return redirect("/login")
        return redirect("/secretariat" if user.is_secretariat else "/member")

    return app


def routers() -> list[APIRouter]:
    """The routers of the portal's entry points, in the order their paths are matched."""
    from flows.portal import api, joining, members, secretariat
    from infra.portal import auth

    return [auth.router, members.router, secretariat.router, joining.router, api.router]
