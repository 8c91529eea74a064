"""The explore view's time range and slider moment."""

from datetime import UTC, datetime, timedelta

from analytics import timewindow

NOW = datetime(2026, 11, 17, 12, 7, tzinfo=UTC)
TZ = "Europe/Helsinki"  # UTC+2 in November


def test_relative_ranges_end_now_and_are_live_without_a_moment():
    view = timewindow.resolve("24h", None, None, None, NOW, TZ)
    assert (view.since, view.until, view.at) == (NOW - timedelta(hours=24), NOW, NOW)
    assert view.live and view.step_s == 15 * 60
    assert timewindow.resolve("30d", None, None, None, NOW, TZ).step_s == 3 * 3600
    assert timewindow.resolve("nonsense", None, None, None, NOW, TZ).since == NOW - timedelta(7)


def test_a_moment_is_clamped_into_the_range_and_is_not_live():
    past = NOW - timedelta(days=2)
    view = timewindow.resolve("7d", None, None, past.timestamp(), NOW, TZ)
    assert view.at == past and not view.live
    early = timewindow.resolve("24h", None, None, (NOW - timedelta(days=9)).timestamp(), NOW, TZ)
    assert early.at == early.since


def test_custom_dates_are_whole_local_days():
    view = timewindow.resolve("custom", "2026-11-12", "2026-11-10", None, NOW, TZ)
    assert view.since == datetime(2026, 11, 9, 22, 0, tzinfo=UTC)  # local midnight, 10 Nov
    assert view.until == datetime(2026, 11, 12, 22, 0, tzinfo=UTC)  # end of 12 Nov
    assert not view.ends_now and view.step_s == 3600
    marks = timewindow.slider_marks(view, TZ)
    assert marks[int(view.since.timestamp())] == "Tue 10 Nov"
    today = timewindow.resolve("custom", "2026-11-16", "2026-11-17", None, NOW, TZ)
    assert today.until == NOW and today.live
