"""Writing the city model into the store: zones and road segments, idempotently."""

from __future__ import annotations

import pyarrow as pa
import shapely

from geo.city import CityModel
from store import Store
from store.ledger import bump_version
from store.schema import TABLES
from store.upsert import upsert


def load_city_model(store: Store, city: CityModel) -> None:
    """Upsert zones and road segments (idempotent: a reload of the same extract changes nothing)."""
    zones = city.zones
    segs = city.segments
    with store.transaction() as cur:
        changed = 0
        zone_batch = pa.table(
            {
                "zone_id": zones["zone_id"].to_numpy(),
                "name": zones["name"].to_numpy(),
                "kind": zones["kind"].to_numpy(),
                "department": zones["department"].astype(object).to_numpy(),
                "geom": shapely.to_wkb(zones.geometry.values),
            },
            schema=TABLES["zones"].schema,
        )
        counts = upsert(cur, "zones", zone_batch)
        changed += counts.inserted + counts.updated
        seg_batch = pa.table(
            {
                **{
                    name: segs[name].to_numpy()
                    for name in TABLES["road_segments"].schema.names
                    if name != "geom"
                },
                "geom": shapely.to_wkb(segs.geometry.values),
            },
            schema=TABLES["road_segments"].schema,
        )
        counts = upsert(cur, "road_segments", seg_batch)
        changed += counts.inserted + counts.updated
        if changed:
            bump_version(cur, "city")
