"""Service KPIs as every screen and report asks for them (issue #18): the rows of a
window as the principal may see them (a department scoped to zones: its zones), their
due times from the service levels, and the figures of `analytics.service_kpis`, for the
city, by department, type and zone, and week by week."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from analytics import service_kpis
from analytics.service_levels import due_times
from services.access import Principal
from store.service_kpis import resolution_rows

WINDOW = timedelta(days=28)
KPI_DAYS = (7, 28)  # the windows /complaints offers: the wall's and the reports' 7, and 28
WEEKS = 8


def rows_from(cur, settings, start: datetime, end: datetime,
              zones: list[str] | None = None) -> pd.DataFrame:  # fmt: skip
    """The KPI rows of the window (in `zones`, or everywhere) with their due times."""
    rows = resolution_rows(cur, start, end, zones)
    rows["requested_at"] = pd.to_datetime(rows["requested_at"], utc=True)
    rows["expected_at"] = pd.to_datetime(rows["expected_at"], utc=True)
    rows["due_at"] = due_times(rows, settings.service_levels, settings.timezone) \
        if not rows.empty else pd.Series(dtype="datetime64[ns, UTC]")  # fmt: skip
    return rows


def figures_at(cur, settings, end: datetime, window: timedelta,
               zones: list[str] | None = None) -> dict:  # fmt: skip
    """The KPIs of the `window` up to `end` (what the wall's tile and a zone's figures
    show: the same definition as every other screen's)."""
    start = end - window
    return service_kpis.figures(rows_from(cur, settings, start, end, zones), start, end)


def kpi_rows(svc, who: Principal | None, start: datetime, end: datetime) -> pd.DataFrame:
    zones = who.zone_filter() if who is not None else []
    with svc.store.reading() as cur:
        return rows_from(cur, svc.settings, start, end, zones)


def city_kpis(svc, who: Principal | None, end: datetime, window: timedelta = WINDOW) -> dict:
    """The KPIs of the `window` up to `end`, for the city (as `who` sees it)."""
    start = end - window
    return service_kpis.figures(kpi_rows(svc, who, start, end), start, end)


def kpi_report(svc, who: Principal | None, end: datetime, window: timedelta = WINDOW,
               weeks: int = WEEKS) -> dict:  # fmt: skip
    """The KPIs of the window, by department, type and zone, and the weekly trend."""
    start = min(end - window, end - timedelta(weeks=weeks))
    rows = kpi_rows(svc, who, start, end)
    window_start = end - window
    return {
        "window": (window_start, end),
        "city": service_kpis.figures(rows, window_start, end),
        "by_department": service_kpis.grouped(rows, "department", window_start, end),
        "by_type": service_kpis.grouped(rows, "service_name", window_start, end),
        "by_zone": service_kpis.grouped(rows, "zone_id", window_start, end),
        "weekly": service_kpis.weekly(rows, end, weeks),
    }
