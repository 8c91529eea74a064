"""What an `/explore` address asks for, read so that no value in it can break the page:
each value is clamped into the range it may take, or ignored, and a notice says which
value and what is allowed (issue #15: `?at=1e400` answered 500)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from analytics import timewindow

RANGE_KEYS = (*timewindow.RANGES, "custom")
OPACITY = (0.1, 1.0)
ZOOM = (12, 19)  # the explore map's zoom limits
VIEW_MARGIN = (0.02, 0.04)  # degrees of latitude, longitude the map may be moved past the city
FIRST_DAY = date(1970, 1, 1)


@dataclass
class ExploreUrl:
    """The URL's values, each safe to use; `notices` says what was clamped or ignored."""

    range_key: str = timewindow.DEFAULT_RANGE
    start: str | None = None
    end: str | None = None
    at: int | None = None  # epoch seconds inside the range; None = its end (live)
    opacity: dict[str, float] = field(default_factory=dict)
    view: tuple[float, float, float] | None = None
    notices: list[str] = field(default_factory=list)


def one(value) -> str | None:
    """A query value as one string: a key given twice (`?at=1&at=2`) counts its last."""
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    return None if value is None else str(value)


def split(value) -> list[str]:
    return [v for v in (one(value) or "").split(",") if v]


def _number(text: str | None) -> float | None:
    """A finite number, or None (`nan`, `inf`, `1e400` and words are no numbers here)."""
    try:
        number = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _clamp(value: float, lo: float, hi: float) -> float:
    return min(max(value, lo), hi)


def _opacities(url: ExploreUrl, value) -> None:
    """`op=waste:0.5,traffic:0.8` -> {"waste": 0.5, "traffic": 0.8}, each within 0.1-1."""
    lo, hi = OPACITY
    for item in split(value):
        layer, _, text = item.partition(":")
        number = _number(text)
        if number is None:
            url.notices.append(f"op={item} ignored: an opacity is a number from {lo} to {hi}")
        elif number != (kept := _clamp(number, lo, hi)):
            url.notices.append(f"op={item} is outside {lo}–{hi}: showing {kept:g}")
            url.opacity[layer] = kept
        else:
            url.opacity[layer] = number


def _view(url: ExploreUrl, value, bounds) -> None:
    """`view=lat,lon,zoom` inside the city (as far as the map may be moved), zoom 12-19."""
    text = one(value)
    if not text:
        return
    numbers = [_number(v) for v in text.split(",")]
    west, south, east, north = bounds
    dlat, dlon = VIEW_MARGIN
    if len(numbers) != 3 or None in numbers:
        url.notices.append(f"view={text} ignored: a view is lat,lon,zoom; showing the whole city")
        return
    lat, lon, zoom = numbers
    if not (south - dlat <= lat <= north + dlat and west - dlon <= lon <= east + dlon):
        url.notices.append(
            f"view={text} ignored: outside the city (lat {south:.3f}–{north:.3f}, "
            f"lon {west:.3f}–{east:.3f}); showing the whole city"
        )
        return
    if zoom != (kept := _clamp(zoom, *ZOOM)):
        url.notices.append(f"view={text}: zoom is {ZOOM[0]}–{ZOOM[1]}, showing {kept:g}")
    url.view = (lat, lon, kept)


def _day(url: ExploreUrl, name: str, value, today: date) -> str | None:
    text = one(value)
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        url.notices.append(f"{name}={text} ignored: a date is YYYY-MM-DD")
        return None
    if not FIRST_DAY <= day <= today:
        day = min(max(day, FIRST_DAY), today)
        url.notices.append(f"{name}={text} is outside {FIRST_DAY}–{today}: showing {day}")
    return day.isoformat()


def _range(url: ExploreUrl, query: dict, today: date) -> None:
    key = one(query.get("range"))
    if key and key not in RANGE_KEYS:
        url.notices.append(f"range={key} ignored: a range is one of {', '.join(RANGE_KEYS)}")
    elif key:
        url.range_key = key
    url.start = _day(url, "start", query.get("start"), today)
    url.end = _day(url, "end", query.get("end"), today)


def _moment(url: ExploreUrl, value, now: datetime, tz: str) -> None:
    """`at` (epoch seconds) inside the range the page shows, else its nearest end."""
    text = one(value)
    if not text:
        return
    at = _number(text)
    if at is None:
        url.notices.append(f"at={text} ignored: a moment is epoch seconds; showing now")
        return
    view = timewindow.resolve(url.range_key, url.start, url.end, None, now, tz)
    lo, hi = int(view.since.timestamp()), int(view.until.timestamp())
    lo -= lo % view.step_s  # the slider's first step may start before the range
    url.at = int(_clamp(at, lo, hi))
    if not lo <= at <= hi:
        zone = ZoneInfo(tz)
        shown = datetime.fromtimestamp(url.at, zone)
        url.notices.append(
            f"at={text} is outside the range shown ({view.since.astimezone(zone):%Y-%m-%d %H:%M}"
            f" – {view.until.astimezone(zone):%Y-%m-%d %H:%M}): showing {shown:%Y-%m-%d %H:%M}"
        )


def read_url(query: dict, bounds, tz: str, now: datetime | None = None) -> ExploreUrl:
    """The time range, moment, opacities and map view an `/explore` URL asks for, each
    clamped into what it may be or ignored, with a notice per value changed."""
    now = now or datetime.now(UTC)
    url = ExploreUrl()
    _range(url, query, now.astimezone(ZoneInfo(tz)).date())
    _moment(url, query.get("at"), now, tz)
    _opacities(url, query.get("op"))
    _view(url, query.get("view"), bounds)
    return url
