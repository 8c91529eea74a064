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
from services.reports.outcomes_part import TITLE as OUTCOMES_TITLE
from services.reports.outcomes_part import outcomes_table
from services.reports.signals_part import SIGNAL_DOMAINS, signals_table
from services.reports.signals_part import TITLE as SIGNALS_TITLE
from store.reports import zone_names

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


def looking_ahead(store, settings, snap, zones: list[str],
                  outcomes: Callable | None = None) -> dict[str, tuple[str, Callable]]:  # fmt: skip
    """The parts that read the domains against each other, ahead or back over the week,
    for the report's domains: key -> (title, what fills it). Each opens its own reads.
    `outcomes(end, zones)` gives the week's outcomes where the city model is loaded."""
    parts = {}
    if snap.kind.outcomes:
        parts["outcomes"] = (OUTCOMES_TITLE, lambda: _outcomes(store, snap, zones, outcomes))
    if set(snap.domains) & set(SIGNAL_DOMAINS):
        parts["signals"] = (SIGNALS_TITLE, lambda: signals_table(store, settings, snap, zones))
        parts["inspect"] = (INSPECT_TITLE,
                            lambda: inspection_table(store, settings, snap, zones))  # fmt: skip
    if "complaints" in snap.domains:
        parts["forecast"] = (TITLE, lambda: complaint_forecast(store, settings, snap, zones))
    return parts


def _outcomes(store, snap, zones: list[str], outcomes: Callable | None) -> dict:
    if outcomes is None:
        return {"none": "not computed here: the city's road graph is not loaded (a report "
                        "made by the running C3 or `c3 report` has it)"}  # fmt: skip
    with store.reading() as cur:
        names = zone_names(cur)
    found = outcomes(snap.at, zones)
    if found.savings.rounds.empty:
        return {"none": "no round could be planned in the week before: no container "
                        "needed collecting, or no readings were stored then"}  # fmt: skip
    return outcomes_table(found, names)
