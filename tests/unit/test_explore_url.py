"""Reading an `/explore` address: values in range pass as they are, silently; a value out
of its range is clamped or ignored, and a notice says which and what is allowed."""

from datetime import UTC, datetime, timedelta

from services.explore_url import read_url

NOW = datetime(2026, 11, 17, 12, 7, tzinfo=UTC)
TZ = "Europe/Helsinki"
BOUNDS = (24.92, 60.15, 24.97, 60.18)  # west, south, east, north


def read(**query):
    return read_url(query, BOUNDS, TZ, NOW)


def test_a_view_the_page_wrote_itself_reads_back_without_a_notice():
    at = int((NOW - timedelta(hours=6)).timestamp())
    url = read(range="24h", at=str(at), op="waste:0.4", view="60.168,24.942,16")
    assert (url.range_key, url.at, url.opacity, url.view) == (
        "24h", at, {"waste": 0.4}, (60.168, 24.942, 16))  # fmt: skip
    assert url.notices == []
    # the slider's first step starts before the range: its moment is not "out of range"
    since = int((NOW - timedelta(days=7)).timestamp())
    assert read(at=str(since - since % 3600)).notices == []
    custom = read(range="custom", start="2026-11-10", end="2026-11-12")
    assert (custom.start, custom.end, custom.notices) == ("2026-11-10", "2026-11-12", [])


def test_a_moment_that_is_no_number_is_ignored_and_one_out_of_range_clamped():
    for text in ("1e400", "-1e400", "nan", "inf", "soon"):
        url = read(at=text)
        assert url.at is None and url.notices == [
            f"at={text} ignored: a moment is epoch seconds; showing now"]  # fmt: skip
    late = read(range="24h", at="1e300")
    assert late.at == int(NOW.timestamp())
    assert late.notices[0].startswith("at=1e300 is outside the range shown (2026-11-16 14:07")
    assert read(at="0").at == int((NOW - timedelta(days=7)).timestamp()) // 3600 * 3600
    assert read(at=["1", str(int(NOW.timestamp()))]).notices == []  # a key twice: the last


def test_opacity_view_range_and_dates_keep_to_what_they_may_be():
    url = read(op="waste:nan,traffic:5,zones:0.5", view="1e400,nan,99")
    assert url.opacity == {"traffic": 1.0, "zones": 0.5}
    assert url.view is None
    assert len(url.notices) == 3
    assert read(view="garbage").notices == [
        "view=garbage ignored: a view is lat,lon,zoom; showing the whole city"]  # fmt: skip
    assert read(view="10,10,15").view is None  # far from the city: the city is shown
    assert read(view="60.17,24.94,30").view == (60.17, 24.94, 19)
    wrong = read(range="forever", start="2026-13-45", end="0001-01-02")
    assert (wrong.range_key, wrong.start, wrong.end) == ("7d", None, "1970-01-01")
    assert [n.split(" ")[0] for n in wrong.notices] == [
        "range=forever", "start=2026-13-45", "end=0001-01-02"]  # fmt: skip
    assert read(range="custom", start="2026-11-10", end="2099-01-01").end == "2026-11-17"
