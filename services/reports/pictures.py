"""The pictures of a snapshot report, drawn headless with matplotlib (no browser): the
period's trend charts as SVG, and the city map (the OSM extract's basemap under the
zones, segments by congestion, containers by fill and open complaints) as PNG. Colours
and class limits are the screens' (services/legends.py), so the report reads like them."""

from __future__ import annotations

import base64
import io
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.dates import AutoDateLocator, DateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from services.legends import (
    CONGESTION_LEGEND,
    FILL_LEGEND,
    FILL_LIMITS,
    NO_READING,
    RATIO_LIMITS,
)

matplotlib.rcParams.update(
    {"svg.fonttype": "path", "font.family": "DejaVu Sans", "font.size": 9, "svg.hashsalt": "c3"}
)
INK, GRID, ACCENT = "#1d2433", "#d9dce1", "#1c4e80"
NO_DATA = NO_READING
BASEMAP_STYLE = {  # layer: (face, edge, line width); the light basemap of the screens
    "water": ("#a9cce3", "none", 0),
    "green": ("#cfe3c4", "none", 0),
    "building": ("#ddd8d0", "#c9c3ba", 0.2),
    "road-minor": ("none", "#ffffff", 0.9),
    "road-major": ("none", "#ffffff", 2.0),
}


def classify(values: np.ndarray, limits: list[tuple[float, str]]) -> list[str]:
    """The colour of each value by the first limit it reaches (grey without a value)."""
    out = []
    for v in values:
        if v is None or not np.isfinite(v):
            out.append(NO_DATA)
        else:
            out.append(next(colour for limit, colour in limits if v >= limit))
    return out


def svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # inline: no XML prologue or doctype


def svg_chart_uri(svg_text: str) -> str:
    """An SVG as a data URI: one <img> that browsers and the PDF renderer both embed."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg_text.encode()).decode()


def trend_chart(points: list[tuple[datetime, float | None]], label: str, tz: str,
                digits: int = 0) -> str:  # fmt: skip
    """An hourly line in city time, with its axis label and the gaps where data is missing."""
    zone = ZoneInfo(tz)
    hours = [pd.Timestamp(h).tz_convert(zone).tz_localize(None) for h, _ in points]
    values = np.array([np.nan if v is None else v for _, v in points], dtype=float)
    fig = Figure(figsize=(7.6, 1.55))
    ax = fig.add_subplot()
    sparse = np.isfinite(values).sum() < 6  # a few points: mark them, a line alone hides them
    ax.plot(hours, values, color=ACCENT, linewidth=1.6, marker="o" if sparse else None,
            markersize=3)  # fmt: skip
    ax.fill_between(hours, values, np.nanmin(values) if np.isfinite(values).any() else 0,
                    color=ACCENT, alpha=0.08, linewidth=0)  # fmt: skip
    ax.set_ylabel(label, color=INK)
    ax.yaxis.set_major_formatter(f"{{x:,.{digits}f}}")
    span_days = (hours[-1] - hours[0]).total_seconds() / 86400 if hours else 1
    ax.xaxis.set_major_locator(AutoDateLocator(minticks=4, maxticks=9))
    ax.xaxis.set_major_formatter(DateFormatter("%a %d" if span_days > 2 else "%H:%M"))
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=INK, labelsize=8)
    ax.set_xlim(hours[0], hours[-1]) if len(hours) > 1 else None
    return svg(fig)


@lru_cache(maxsize=4)
def _basemap(path: str, mtime: float) -> gpd.GeoDataFrame:
    return gpd.read_file(path)


def _patches(geoms) -> PatchCollection | None:
    paths = []
    for geom in geoms:
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon" or poly.is_empty:
                continue
            rings = [poly.exterior, *poly.interiors]
            vertices = np.concatenate([np.asarray(r.coords)[:, :2] for r in rings])
            codes = np.concatenate(
                [[MplPath.MOVETO] + [MplPath.LINETO] * (len(r.coords) - 2) + [MplPath.CLOSEPOLY]
                 for r in rings]
            )  # fmt: skip
            paths.append(PathPatch(MplPath(vertices, codes)))
    return PatchCollection(paths) if paths else None


def _lines(geoms) -> list[np.ndarray]:
    found = []
    for geom in geoms:
        for line in getattr(geom, "geoms", [geom]):
            if line.geom_type == "LineString" and not line.is_empty:
                found.append(np.asarray(line.coords)[:, :2])
    return found


def map_png(
    layers: dict[str, pd.DataFrame],
    bounds: tuple[float, float, float, float],
    basemap_path: Path | None,
    width_in: float = 10.0,
    dpi: int = 150,
) -> bytes:
    """The city at the report's moment: basemap, zones, then segments, containers and
    open complaints on top, with a legend and the OSM attribution. The picture takes the
    extent's shape (between 1:2 and 18:25, widened to fit)."""
    west, south, east, north = bounds
    squash = np.cos(np.radians((south + north) / 2))
    shape = (north - south) / ((east - west) * squash)
    height_in = width_in * min(max(shape, 0.5), 0.72)
    # widen the extent in the short direction so the picture fills its frame
    want = height_in / width_in
    if shape > want:
        extra = ((north - south) / want / squash - (east - west)) / 2
        west, east = west - extra, east + extra
    else:
        extra = ((east - west) * squash * want - (north - south)) / 2
        south, north = south - extra, north + extra
    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_facecolor("#f2efe9")
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / squash)  # metres look square
    ax.set_axis_off()
    if basemap_path is not None and Path(basemap_path).exists():
        base = _basemap(str(basemap_path), Path(basemap_path).stat().st_mtime)
        base = base.cx[west:east, south:north]
        for name, (face, edge, width) in BASEMAP_STYLE.items():
            geoms = base.geometry[base["layer"] == name].values
            if name.startswith("road"):
                ax.add_collection(LineCollection(_lines(geoms), colors=edge, linewidths=width))
            elif (patches := _patches(geoms)) is not None:
                patches.set(facecolor=face, edgecolor=edge, linewidth=width)
                ax.add_collection(patches)
    zones = layers.get("zones")
    if zones is not None and not zones.empty:
        outlines = shapely.from_wkb(zones["wkb"].map(bytes).to_numpy())
        rings = [np.asarray(r.coords) for g in outlines for r in _rings(g)]
        ax.add_collection(
            LineCollection(rings, colors="#3b4a6b", linewidths=0.8, linestyles=(0, (4, 3)))
        )
        if len(zones) <= 60:
            for name, geom in zip(zones["name"], outlines, strict=True):
                point = geom.representative_point()
                ax.text(point.x, point.y, name, fontsize=6.5, color="#3b4a6b", ha="center",
                        va="center", alpha=0.85, clip_on=True)  # fmt: skip
    segments = layers.get("segments")
    if segments is not None and not segments.empty:
        lines = shapely.from_wkb(segments["wkb"].map(bytes).to_numpy())
        ratio = segments["ratio"].astype(float).to_numpy()
        order = np.argsort(np.nan_to_num(ratio, nan=-1))  # the worst drawn last, on top
        coords = [np.asarray(lines[i].coords)[:, :2] for i in order]
        ax.add_collection(LineCollection(
            coords, colors=classify(ratio[order], RATIO_LIMITS), linewidths=1.4, capstyle="round"
        ))  # fmt: skip
    containers = layers.get("containers")
    if containers is not None and not containers.empty:
        fill = containers["fill"].astype(float).to_numpy()
        order = np.argsort(fill)
        dot = max(2.0, min(14.0, 9000 / len(containers)))
        ax.scatter(containers["lon"].to_numpy()[order], containers["lat"].to_numpy()[order],
                   s=dot, c=classify(fill[order], FILL_LIMITS), edgecolors=INK,
                   linewidths=0.25 if dot > 4 else 0, zorder=3)  # fmt: skip
    requests = layers.get("requests")
    if requests is not None and not requests.empty:
        size = max(4.0, min(26.0, 9000 / len(requests)))
        ax.scatter(requests["lon"], requests["lat"], s=size, marker="D", c=ACCENT,
                   edgecolors="white", linewidths=0.4 if size > 6 else 0, zorder=4)  # fmt: skip
    _legend(ax, layers)
    ax.text(0.995, 0.004, "Basemap © OpenStreetMap contributors (ODbL)", transform=ax.transAxes,
            fontsize=6, color="#555", ha="right", va="bottom",
            bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1.5})  # fmt: skip
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _rings(geom):
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type == "Polygon":
            yield poly.exterior


def _legend(ax, layers: dict) -> None:
    handles = []
    if "segments" in layers:
        handles.append(Line2D([], [], linestyle="none", label="Travel time vs free flow"))
        handles += [Line2D([], [], color=c, linewidth=2.5, label=t) for c, t in CONGESTION_LEGEND]
    if "containers" in layers:
        handles.append(Line2D([], [], linestyle="none", label="Container fill"))
        handles += [
            Line2D([], [], marker="o", linestyle="none", markerfacecolor=c, markeredgecolor=INK,
                   markersize=6, label=t)
            for c, t in FILL_LEGEND
        ]  # fmt: skip
    if "requests" in layers:
        handles.append(Line2D([], [], marker="D", linestyle="none", markerfacecolor=ACCENT,
                              markeredgecolor="white", markersize=6,
                              label="Open complaint"))  # fmt: skip
    handles.append(Line2D([], [], color="#3b4a6b", linestyle=(0, (4, 3)), label="Zone"))
    legend = ax.legend(handles=handles, loc="upper left", fontsize=7, frameon=True,
                       framealpha=0.9, borderpad=0.6, handlelength=1.6)  # fmt: skip
    for text, handle in zip(legend.get_texts(), handles, strict=True):
        if handle.get_linestyle() == "None" and handle.get_marker() in (None, "None", ""):
            text.set_fontweight("bold")
