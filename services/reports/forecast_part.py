"""The reports' complaint forecast (issue 19): the requests expected in the next 24 h and
7 days per zone and service type in the report's zones, the most expected first, with
the last 7 days beside them and the forecast's backtest error beside the seasonal-naive
baseline's; and the report's looking-ahead parts (signals, where to look first, the
complaint forecast) as the content asks for them."""

from __future__ import annotations

from collections.abc import Callable

from services import forecasts
from services.reports.inspection_part import TITLE as INSPECT_TITLE
from services.reports.inspection_part import inspection_table
from services.reports.signals_part import SIGNAL_DOMAINS, signals_table
from services.reports.signals_part import TITLE as SIGNALS_TITLE

TITLE = "Complaints expected"
ROWS = 12


def complaint_forecast(store, settings, snap, zones: list[str]) -> dict:
    """The forecast at the report's moment: its rows (the report's zones only), their
    totals and the backtest; with under three weeks of requests, why there is none."""
    outlook = forecasts.complaint_outlook(store, settings, snap.at)
    if outlook is None:
        return {"none": "fewer than three weeks of requests are stored: no forecast yet"}
    rows = outlook.rows if not zones else outlook.rows[outlook.rows["zone_id"].isin(zones)]
    return {
        "rows": rows.head(ROWS), "more": max(0, len(rows) - ROWS),
        "totals": rows[["last_7d", "next_24h", "next_7d"]].sum().to_dict(),
        "errors": outlook.errors, "days": outlook.days,
    }  # fmt: skip


def looking_ahead(store, settings, snap, zones: list[str]) -> dict[str, tuple[str, Callable]]:
    """The parts that read the domains against each other or ahead, for the report's
    domains: key -> (title, what fills it). Each opens its own reads."""
    parts = {}
    if set(snap.domains) & set(SIGNAL_DOMAINS):
        parts["signals"] = (SIGNALS_TITLE, lambda: signals_table(store, settings, snap, zones))
        parts["inspect"] = (INSPECT_TITLE,
                            lambda: inspection_table(store, settings, snap, zones))  # fmt: skip
    if "complaints" in snap.domains:
        parts["forecast"] = (TITLE, lambda: complaint_forecast(store, settings, snap, zones))
    return parts
