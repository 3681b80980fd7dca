"""Pages people read, rendered in one place: the member's validation report, the period report and its Sankey.

Rendering turns published data into files, so it sits with the other writers in `infra/`; one Jinja
environment (`templates.environment`) serves every template.
"""
