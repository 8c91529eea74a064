"""Service KPIs on hand-made rows: hours to resolve, on time against the due time, the
backlog by age, reopened fixes, first responses, by group and by week; each figure with
the rows it counts."""

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from analytics.service_kpis import figures, grouped, weekly

END = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
START = END - timedelta(days=7)


def h(hours: float) -> datetime:
    return END - timedelta(hours=hours)


def rows() -> pd.DataFrame:
    # request filed (h before END), resolved (h before END or None), due (h after filing)
    spec = [
        ("a", "Waste", 50, 40, 24, 1, 0, 49),    # 10 h, on time, order 1, answered after 1 h
        ("b", "Waste", 60, 20, 24, 2, 1, None),  # 40 h, late, order 2 reopened once
        ("c", "Streets", 30, 28, 4, None, 0, None),  # 2 h, on time, no order (source closed)
        ("d", "Streets", 10, None, 72, None, 0, None),   # open, 10 h old
        ("e", "Streets", 100, None, 72, None, 0, 90),    # open, 100 h old, answered
        ("f", "Waste", 400, 300, 24, None, 0, None),  # resolved before the window: left out
    ]  # fmt: skip
    frame = pd.DataFrame([{
        "source": "o311", "request_id": rid, "department": dept, "service_name": dept,
        "zone_id": "z1", "requested_at": h(filed), "resolved_at": h(done) if done else None,
        "due_at": h(filed) + timedelta(hours=due), "order_id": order, "reopened": reopened,
        "first_response_at": h(first) if first else None,
    } for rid, dept, filed, done, due, order, reopened, first in spec])  # fmt: skip
    for column in ("requested_at", "resolved_at", "due_at", "first_response_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def test_the_figures_and_the_rows_behind_each():
    f = figures(rows(), START, END)
    assert f["resolved"] == {"value": 3, "rows": ["o311/a", "o311/b", "o311/c"]}
    assert f["median_h"]["value"] == 10 and f["mean_h"]["value"] == pytest.approx(52 / 3)
    assert f["on_time"]["value"] == pytest.approx(2 / 3)
    assert f["on_time"]["rows"] == ["o311/a", "o311/c"] and f["on_time"]["of"] == 3
    assert f["reopened"]["value"] == 0.5 and f["reopened"]["rows"] == ["o311/b"]
    assert f["first_response_h"]["value"] == pytest.approx(5.5)  # a: 1 h, e: 10 h
    assert f["backlog"]["value"] == 2
    ages = {b["age"]: b["rows"] for b in f["backlog"]["by_age"]}
    assert ages == {"under 1 day": ["o311/d"], "1-3 days": [], "3-7 days": ["o311/e"],
                    "over 7 days": []}  # fmt: skip


def test_a_request_resolved_after_the_window_was_open_in_it():
    earlier_end = h(30)  # b (resolved 20 h before END) was still open then
    f = figures(rows(), earlier_end - timedelta(days=7), earlier_end)
    assert "o311/b" in f["backlog"]["rows"] and "o311/b" not in f["resolved"]["rows"]


def test_by_department_and_by_week():
    by = grouped(rows(), "department", START, END)
    assert by["Waste"]["resolved"]["value"] == 2 and by["Streets"]["backlog"]["value"] == 2
    weeks = weekly(rows(), END, 3)
    assert [w["week_end"] for w in weeks] == [END - timedelta(weeks=2), END - timedelta(weeks=1),
                                              END]  # fmt: skip
    assert weeks[-1]["resolved"]["value"] == 3 and weeks[0]["resolved"]["value"] == 0


def test_no_rows_give_no_figures_not_errors():
    f = figures(rows().iloc[0:0], START, END)
    assert f["median_h"]["value"] is None and f["on_time"]["value"] is None
    assert f["backlog"]["value"] == 0
