"""The tables of `benchmarks.disclosure_methods`: one per workload, its figures down and the methods across."""

from __future__ import annotations

from datetime import date

RANGED = {  # figures shown as a range over the noise's secret keys
    "values_published": "values published",
    "headline_published": "national indicators published",
    "sankey_drawn": "Sankey national links drawn",
    "prefectures_waste": "prefectures",
    "unprotected_published": "unprotected published",
}
Metrics = dict[str, float]  # a method's figures on one workload (counts are whole numbers)


def row_texts(m: Metrics) -> dict[str, str]:
    """One method's column of the table, by row label (blank where the metric is the noise's alone)."""
    has, share = "flag_below_2pct" in m, m["values_published"] / m["values"]
    drawn = m["sankey_drawn_t"] / max(m["sankey_links_t"], 1e-12)
    rows = {
        "values published": f"{m['values_published']:,.0f} / {m['values']:,.0f} ({share:.1%})",
        "tonnes published": f"{m['tonnes_published'] / max(m['tonnes'], 1e-12):.2%}",
        "national all-materials indicators published": f"{m['headline_published']:.0f} / {m['headline']:.0f}",
        "Sankey national links drawn (share of their t)": (
            f"{m['sankey_drawn']:.0f} / {m['sankey_links']:.0f} ({drawn:.1%})"
        ),
        "prefectures with all-materials waste_generated_t": f"{m['prefectures_waste']:.0f}",
        "sensitive values (the LP's judgement)": f"{m['sensitive']:,.0f}" if "sensitive" in m else "",
        "noise flags < 2 % / 2–5 % / ≥ 5 % (withheld)": (
            f"{m['flag_below_2pct']:,.0f} / {m['flag_2_to_5pct']:,.0f} / {m['flag_5pct_or_more']:,.0f}" if has else ""
        ),
        "sensitive values unprotected: all (published)": (
            f"{m['unprotected']:,.0f} ({m['unprotected_published']:,.0f})" if has else ""
        ),
        "largest relative error, national headline": f"{m['headline_max_error']:.2%}" if has else "",
        "unprotected if the insider knows its own m: all (published)": (
            f"{m['unprotected_own_m']:,.0f} ({m['unprotected_own_m_published']:,.0f})" if has else ""
        ),
    }
    rows |= {
        f"{label}, over all keys": f"{m[f'{field}_min']:,.0f}–{m[f'{field}_max']:,.0f}"
        for field, label in RANGED.items()
        if f"{field}_min" in m
    }
    return rows | {"seconds": f"{m['seconds']:.1f}"}


def markdown(results: list[dict[str, object]], command: str, seeds: int) -> str:
    """A table per workload: metrics down, methods across."""
    lines = [f"# Disclosure methods: the LP pattern against CBP-style noise ({date.today().isoformat()})", ""]
    lines += [f"`{command}`", "", f"Noise columns: secret key 0 of {seeds}; the ranges are over all {seeds}."]
    for result in results:
        methods = result["methods"]
        assert isinstance(methods, dict)
        columns = [row_texts(metrics) for metrics in methods.values()]
        labels = max(columns, key=len)  # a noise column has every row, ending with the seconds
        lines += [
            "",
            f"## {result['workload']}",
            "",
            f"{result['members']} members ({result['public_members']} public: {result['public_source']}), "
            f"{result['member_cells']:,} member cells.",
            "",
            "| | " + " | ".join(methods) + " |",
            "|---|" + "---|" * len(methods),
            *(f"| {label} | " + " | ".join(column.get(label, "") for column in columns) + " |" for label in labels),
        ]
    return "\n".join(lines) + "\n"
