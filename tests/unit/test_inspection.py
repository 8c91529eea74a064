"""Where to look first (analytics.inspection, issue 19) on places whose truth is known:
a few bins that keep being reported and read full, and many that are reported at random."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from analytics import inspection as model

NOW = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)
H = timedelta(days=3)


def city(seed: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """100 bins over 60 days: bins 0-9 are reported about daily and read full half the
    time, the rest are reported once a month at random. (places, events)"""
    rng = np.random.default_rng(seed)
    ids = [f"bin-{i:03d}" for i in range(100)]
    rate = np.where(np.arange(100) < 10, 1.0, 1 / 30)  # reports a day
    events = []
    for i, fid in enumerate(ids):
        n = rng.poisson(rate[i] * 60)
        when = NOW - timedelta(days=60) + pd.to_timedelta(rng.uniform(0, 60, n), unit="D")
        events += [("container", fid, t) for t in when]
    places = pd.DataFrame({"kind": "container", "feature_id": ids,
                           "extra": np.where(np.arange(100) < 10, 0.5, 0.05)})  # fmt: skip
    return places, pd.DataFrame(events, columns=["kind", "feature_id", "requested_at"])


def test_the_top_bins_are_the_ones_that_keep_failing_and_beat_chance():
    places, events = city()
    train = pd.concat([model.at_origin(places, events, NOW - i * H, H) for i in (2, 3, 4)])
    fitted = model.fit(train)
    tested = model.at_origin(places, events, NOW - H, H)
    ranking = model.ranked(tested, model.risk(fitted, tested))
    assert set(ranking["feature_id"].head(10)) == {f"bin-{i:03d}" for i in range(10)}
    result = model.uplift(ranking, 10)["container"]
    assert result["found"] >= 8 and result["found"] > 3 * result["random"]
    assert result["places"] == 100 and result["problems"] == int(tested["label"].sum())


def test_where_nothing_was_ever_reported_every_chance_is_nought():
    places, events = city()
    quiet = model.at_origin(places, events.iloc[:0], NOW - H, H)
    fitted = model.fit(quiet)
    assert fitted == {"container": 0.0, "segment": 0.0}
    assert np.all(model.risk(fitted, quiet) == 0)


def test_the_reasons_name_the_figures():
    row = pd.Series({"kind": "segment", "recent": 1, "older": 4, "extra": 0.31})
    assert model.reasons(row.to_frame().T.iloc[0]) == (
        "1 report in the last 7 days; 4 in the 4 weeks before; "
        "31 % slower than usual over the last 24 h")
