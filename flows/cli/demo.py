"""`junkan demo`: a realistic year of members' files through the whole path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from flows.cli.common import print_summary

if TYPE_CHECKING:
    pass


def demo(
    include_scotland: Annotated[bool, typer.Option(help="Also submit 2011–2019 Scottish councils' data")] = False,
) -> None:
    """Generate a realistic year of members' files, run the whole path, and show where everything landed."""
    import polars as pl

    from flows.cli.prefect_server import prepare_flows
    from flows.demo import run_demo
    from infra.settings import get_settings

    prepare_flows(get_settings())
    result = run_demo(include_scotland=include_scotland)
    typer.echo(f"demo: {len(result.manifest.members)} members, {len(result.manifest.submissions)} files submitted")
    print_summary(result.summary)
    typer.echo("")
    typer.echo("headline indicators, all materials, all regions (入口側・出口側循環利用率):")
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=160, float_precision=3, tbl_hide_dataframe_shape=True):
        typer.echo(str(result.headline))
    typer.echo("")
    typer.echo("roadmaps: national official actuals and the members' aggregate, latest year (mart.roadmap_progress):")
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200, float_precision=3, tbl_hide_dataframe_shape=True):
        typer.echo(str(result.roadmaps))
    typer.echo("")
    typer.echo("published share of material-group indicator cells per region level (the rest is 秘匿, suppressed):")
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=160, float_precision=2, tbl_hide_dataframe_shape=True):
        typer.echo(str(result.published))
    typer.echo("")
    typer.echo(
        "what the public sees at the top (issue 23): the national all-materials row's quantities (of 4) and rates"
        " (of 3), the Sankey's national links drawn and their tonnes, the members' roadmap rows with a value,"
        " the prefectures the map's all-materials layer colours:"
    )
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200, float_precision=3, tbl_hide_dataframe_shape=True):
        typer.echo(str(result.visibility))
    typer.echo("")
    typer.echo(
        "release notes (mart.releases): the runs above built drafts; `junkan release` made them public, tagged"
        " release/<period>/<n> on every public table:"
    )
    notes = result.releases.select(
        "period",
        "release",
        "released_by",
        "table_name",
        "material_group",
        "values_published",
        "values_revised",
        "values_withheld_for_revision",
    )
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200, tbl_hide_dataframe_shape=True):
        typer.echo(str(notes))
    typer.echo("")
    typer.echo(f"storage (inbox, quarantine, reports, warehouse): {result.storage_url}")
    typer.echo(f"Iceberg catalog and ledger: {result.catalog_url}")
    typer.echo(f"members' validation reports: {result.reports_uri}")
    typer.echo(f"log: {result.log_file}")
    typer.echo("try: junkan sql \"SELECT * FROM mart.indicators WHERE material_level = 'group' LIMIT 10\"")
    for uri in result.period_report_uris:
        typer.echo(f"period report (Sankey, indicators, targets, products): {uri}")
    if result.recycled_material_report_uri is not None:
        typer.echo(f"a producer's own recycled-material report (private): {result.recycled_material_report_uri}")
    print_portal_login()


def print_portal_login() -> None:
    """How to open the members' portal on the demo, with a member's login made now (its password shown once)."""
    from flows.cli.common import open_resources
    from flows.demo.portal_login import demo_login

    resources = open_resources()
    try:
        login = demo_login(resources)
        url = resources.settings.resolved_portal_url
    finally:
        resources.close()
    if login is None:
        return
    typer.echo("")
    typer.echo(f"members' portal: run `junkan portal`, open {url}/ and log in as {login.email} ({login.member_id})")
    if login.password is not None:
        typer.echo(f"  password (shown once, not kept): {login.password}")
    elif login.link is not None:
        typer.echo(f"  set its password on this one-time link: {login.link}")


def register(app: typer.Typer) -> None:
    """Add these commands to the junkan app."""
    app.command("demo")(demo)
