"""The coordinators' web dashboard (DESIGN.md section 8): pages from plugins, login by one-time link.

Plugins add pages with the `practica_dashboard_pages` hook, returning `Page` objects; handlers get a
`View` and return `view.render(...)` or `view.csv(...)`; `bar_chart` draws SVG on the server.
"""

from __future__ import annotations

from core.dashboard.pages import HttpError, Page, View, bar_chart, csv_response

__all__ = ["HttpError", "Page", "View", "bar_chart", "csv_response"]
