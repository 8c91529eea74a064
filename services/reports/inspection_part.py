"""The reports' "where to look first" (issue 19): the bins and road segments of the
report's domains and zones most likely to be reported in the next days, each with its
chance and reasons, the zones with the most problems expected, and how much better than
chance the same ranking did at the last origin whose days have passed."""

from __future__ import annotations

from services import inspection

TITLE = "Where to look first"
KIND_DOMAIN = {"container": "waste", "segment": "traffic"}
KIND_WORDS = {"container": "containers", "segment": "road segments"}
ROWS = 10


def inspection_table(store, settings, snap, zones: list[str]) -> dict:
    """The ranking at the report's moment, narrowed to its domains and zones."""
    ranking = inspection.where_to_look(store, settings, snap.at, zones)
    if ranking is None:
        return {"none": "no containers or road segments are stored"}
    kinds = [k for k, d in KIND_DOMAIN.items() if d in snap.domains]
    places = ranking.places[ranking.places["kind"].isin(kinds)]
    expected = ranking.zones[ranking.zones["kind"].isin(kinds)]
    by_zone = (expected.groupby("zone", as_index=False)[["expected", "places"]].sum()
               .sort_values("expected", ascending=False))  # fmt: skip
    tested = ranking.backtest or {}
    return {
        "kinds": [{"kind": k, "words": KIND_WORDS[k], "rows": places[places["kind"] == k]
                   .head(ROWS), "test": tested.get(k)} for k in kinds],
        "zones": by_zone.head(5), "days": ranking.horizon_days, "fitted": ranking.fitted,
        "origin": snap.local(tested["origin"]) if tested else None,
    }  # fmt: skip
