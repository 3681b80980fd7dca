"""The one Jinja environment every page is rendered with: templates compiled once per process, autoescaped.

Autoescape is on for every template: member ids, file names, materials and target names come from members
and must render as text, never as markup.
"""

from __future__ import annotations

from functools import cache

import jinja2


@cache
def environment() -> jinja2.Environment:
    """The environment over `infra/rendering/templates/`, with the number filters the pages share."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("infra.rendering", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = lambda value, digits=1: f"{value:,.{digits}f}"
    env.filters["percent"] = lambda value: f"{value * 100:.1f}%"
    return env


@cache
def template(name: str) -> jinja2.Template:
    """A template by file name, compiled on first use and kept."""
    return environment().get_template(name)
