"""Where the demo's residents report an overflowing bin: at a bin that is full.

The simulator draws a waste complaint's bin by how fast bins fill; a report of an
overflowing bin drawn at a bin that is not nearly full (COMPLAINED_FILL) moves to the
nearest bin that is, or, with none full then, becomes a report of dumping at the same
place. So in a city without faults the sensors and the residents agree, and a
disagreement the signals find is one the faults seeded (issue 19)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.duplicates import metres_between
from sim.catalog import SERVICE_TYPES

COMPLAINED_FILL = 0.8  # a resident reports a bin as overflowing only once it is this full
_TYPES = {t.code: t for t in SERVICE_TYPES}


def at_full_bins(city, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (one day's requests, `_bin` the drawn bin's index) with its overflow
    reports at full bins; the `_bin` column dropped."""
    if frame.empty:
        return frame
    frame = frame.copy()
    reports = np.flatnonzero(frame["service_code"].to_numpy() == "WST-OVF")
    if len(reports):
        c = city.containers
        lon, lat = c["lon"].to_numpy(float), c["lat"].to_numpy(float)
        fill = city.true_fill(frame["requested_s"].to_numpy()[reports])
        for k, i in enumerate(reports):
            drawn = int(frame.at[i, "_bin"])
            if fill[k, drawn] >= COMPLAINED_FILL:
                continue
            full = np.flatnonzero(fill[k] >= COMPLAINED_FILL)
            if len(full):
                away = metres_between(lon[drawn], lat[drawn], lon[full], lat[full])
                to = int(full[np.argmin(away)])
                frame.at[i, "lon"] = round(float(frame.at[i, "lon"] + lon[to] - lon[drawn]), 6)
                frame.at[i, "lat"] = round(float(frame.at[i, "lat"] + lat[to] - lat[drawn]), 6)
                frame.at[i, "address"] = c["address"].iat[to]
                street, kind = c["address"].iat[to], _TYPES["WST-OVF"]
            else:
                street, kind = frame.at[i, "address"], _TYPES["WST-DMP"]
                frame.at[i, "service_code"] = kind.code
                frame.at[i, "service_name"] = kind.name
                frame.at[i, "expected_s"] = int(frame.at[i, "requested_s"]
                                                + 2 * kind.median_close_h * 3600)  # fmt: skip
            frame.at[i, "description"] = kind.description.format(street=street)
    return frame.drop(columns="_bin")
