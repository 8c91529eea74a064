"""The reports' section of cross-domain signals (issue 19): what the rules found at the
report's moment in the domains and zones the report covers, each with its evidence and
how many reports it rests on; a positive line when there is none."""

from __future__ import annotations

import pandas as pd

from analytics.signals import RULES
from services import signals

SIGNAL_DOMAINS = ("waste", "traffic")
TITLE = "Cross-domain signals"


def signals_table(store, settings, snap, zones: list[str]) -> dict:
    """The signals at the report's moment of its domains and zones, a row each."""
    found = [s for s in signals.find(store, settings, snap.at)
             if s.domain in snap.domains and (not zones or s.zone_id in zones)]  # fmt: skip
    return {"signals": pd.DataFrame([{
        "rule": RULES[s.rule], "place": s.place, "feature": s.feature_id,
        "since": f"{snap.local(s.since):%a %d %b %H:%M}", "evidence": s.evidence,
        "reports": len(s.requests),
    } for s in found], columns=["rule", "place", "feature", "since", "evidence", "reports"])}
