"""A snapshot as files: one self-contained HTML page (pictures embedded as data URIs, no
fonts, scripts or styles fetched) and a PDF of the same HTML on the kind's paper size,
written under `<reports_dir>/<kind>/<yyyy-mm-dd>T<hhmm>.html|pdf` in city time."""

from __future__ import annotations

import base64
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import shapely
from markupsafe import Markup

from services.reports.content import Part, Snapshot
from services.reports.pictures import map_png, svg_chart_uri, trend_chart

log = logging.getLogger(__name__)

TREND_LABELS = {  # domain: (chart's axis label, digits)
    "waste": ("containers > 80 %", 0),
    "traffic": ("congestion index ×", 2),
    "complaints": ("open requests", 0),
    "feeds": ("rows ingested / h", 0),
}
def css_string(text: str) -> Markup:
    """Text as a quoted CSS string (the PDF's running footer): HTML entities mean nothing
    inside <style>, so escape for CSS instead, and never let `</style>` through."""
    safe = "".join(
        c if c.isalnum() or c in " .,:;-·()/" else f"\\{ord(c):x} " for c in str(text)
    )
    return Markup(f'"{safe}"')


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("services.reports", "templates"),
    autoescape=True,  # street and zone names come from feeds: text, never markup
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_TEMPLATES.filters["css_string"] = css_string


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    pdf: Path | None  # None when the PDF could not be made (the reason is in the HTML's log)
    pdf_error: str | None = None


def file_stem(at: datetime, tz: str) -> str:
    """The stable file name of a report, without suffix: its moment in city time."""
    return f"{at.astimezone(ZoneInfo(tz)):%Y-%m-%dT%H%M}"


def number(value, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}".replace(",", "\u2009")


def duration(seconds: float | None) -> str:
    """Seconds under two minutes, minutes above (a city block takes seconds)."""
    if seconds is None:
        return "—"
    if seconds < 10:
        return f"{seconds:.1f} s"
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def change(value, digits: int = 0) -> str:
    if value is None:
        return "—"
    if round(value, digits) == 0:
        return "±0"
    sign = "+" if value > 0 else "−"
    return sign + number(abs(value), digits)


def render_html(snapshot: Snapshot, bounds: tuple[float, float, float, float],
                basemap_path: Path | None) -> str:  # fmt: skip
    """The report as one HTML page that opens with no network."""
    map_part = snapshot.parts.get("map")
    picture = None
    if map_part is not None and map_part.data is not None:
        try:
            extent = _zone_bounds(map_part.data) if snapshot.kind.zones else bounds
            png = map_png(map_part.data, extent, basemap_path)
            picture = "data:image/png;base64," + base64.b64encode(png).decode()
        except Exception as exc:
            log.exception("report map picture failed")
            map_part.missing = f"could not be drawn ({type(exc).__name__}: {exc})"
    charts = {}
    trends = snapshot.parts.get("trends")
    if trends is not None and trends.data is not None:
        for domain, points in trends.data["series"].items():
            label, digits = TREND_LABELS[domain]
            if any(v is not None for _, v in points):
                charts[domain] = svg_chart_uri(trend_chart(points, label, snapshot.tz, digits))
    return _TEMPLATES.get_template("report.html.j2").render(
        s=snapshot,
        parts=snapshot.parts,
        picture=picture,
        charts=charts,
        moment=lambda when: describe_moment(snapshot, when),
        local=snapshot.local,
        number=number,
        duration=duration,
        change=change,
        Part=Part,
    )


def _zone_bounds(layers: dict):
    """The extent of the zones in scope, with a little margin."""
    zones = layers["zones"]
    west, south, east, north = shapely.total_bounds(shapely.from_wkb(zones["wkb"].map(bytes)))
    pad_x, pad_y = (east - west) * 0.03, (north - south) * 0.03
    return (west - pad_x, south - pad_y, east + pad_x, north + pad_y)


_PDF_LOCK = threading.Lock()  # WeasyPrint and Pango make no promise about threads


def write_pdf(html: str, target: Path) -> None:
    """The PDF of the same HTML (paper size from the page's @page rule)."""
    from weasyprint import HTML  # imported here: a missing Pango only costs the PDF

    with _PDF_LOCK:
        HTML(string=html, base_url=str(target.parent)).write_pdf(target)


def write_report(snapshot: Snapshot, reports_dir: Path, bounds, basemap_path) -> ReportFiles:
    """Write the HTML, then the PDF, atomically; a PDF failure keeps the HTML."""
    folder = reports_dir / snapshot.kind.name
    folder.mkdir(parents=True, exist_ok=True)
    name = file_stem(snapshot.at, snapshot.tz)
    html = render_html(snapshot, bounds, basemap_path)
    html_path = folder / f"{name}.html"
    _atomic(html_path, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    pdf_path = folder / f"{name}.pdf"
    try:
        _atomic(pdf_path, lambda tmp: write_pdf(html, tmp))
    except Exception as exc:
        log.exception("report PDF failed: %s", pdf_path)
        pdf_path.unlink(missing_ok=True)  # an earlier run's PDF is not this report's
        return ReportFiles(html_path, None, f"{type(exc).__name__}: {exc}")
    return ReportFiles(html_path, pdf_path)


def _atomic(target: Path, write) -> None:
    """Write through a temporary file of its own (two runs of a slot never share one)."""
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def describe_moment(snapshot: Snapshot, when: datetime) -> str:
    return f"{snapshot.local(when):%a %d %b %Y, %H:%M %Z}"
