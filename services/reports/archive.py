"""The archive the `/reports` screen lists: the report files on disk, newest first, with
what the ledger knows of each (late, parts missing, e-mail). Files are the truth: a
report copied in by hand is listed too, without ledger notes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from services.reports.render import file_stem

KIND_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FILE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{4})\.(html|pdf)$")


@dataclass(frozen=True)
class ArchivedReport:
    kind: str
    title: str
    stem: str  # yyyy-mm-ddThhmm, city time
    moment: datetime  # local
    html: str | None  # file names inside the kind's folder
    pdf: str | None
    html_bytes: int
    pdf_bytes: int
    produced: datetime | None = None  # local; None for files the ledger does not know
    late: bool = False
    on_demand: bool = False
    missing: str | None = None
    delivery: str | None = None  # pending | sent | failed, None without e-mail
    delivery_error: str | None = None


def archive(folder: Path, titles: dict[str, str], runs: pd.DataFrame, tz: str,
            kind: str | None = None) -> list[ArchivedReport]:  # fmt: skip
    """Every report under `folder` (of one `kind`, or all), newest moment first."""
    zone = ZoneInfo(tz)
    notes = {}
    for r in runs.itertuples():
        notes[(r.kind, file_stem(r.slot.to_pydatetime(), tz))] = r
    found: dict[tuple[str, str], dict[str, Path]] = {}
    if folder.is_dir():
        for sub in folder.iterdir():
            if not sub.is_dir() or not KIND_NAME.match(sub.name) or kind not in (None, sub.name):
                continue
            for path in sub.iterdir():
                match = FILE_NAME.match(path.name)
                if match:
                    found.setdefault((sub.name, match[1]), {})[match[2]] = path
    listed = []
    for (name, stem), files in found.items():
        note = notes.get((name, stem))
        delivered = None if note is None or pd.isna(note.delivery) else note.delivery
        listed.append(
            ArchivedReport(
                kind=name,
                title=titles.get(name, name),
                stem=stem,
                moment=datetime.strptime(stem, "%Y-%m-%dT%H%M").replace(tzinfo=zone),
                html=files["html"].name if "html" in files else None,
                pdf=files["pdf"].name if "pdf" in files else None,
                html_bytes=files["html"].stat().st_size if "html" in files else 0,
                pdf_bytes=files["pdf"].stat().st_size if "pdf" in files else 0,
                produced=None if note is None or pd.isna(note.finished_at)
                else note.finished_at.tz_convert(zone).to_pydatetime(),
                late=bool(note.late) if note is not None else False,
                on_demand=bool(note.on_demand) if note is not None else False,
                missing=None if note is None or pd.isna(note.missing) else note.missing,
                delivery=delivered,
                delivery_error=None if note is None or pd.isna(note.last_error)
                else note.last_error,
            )
        )  # fmt: skip
    listed.sort(key=lambda r: (r.moment, r.kind), reverse=True)
    return listed


def report_file(folder: Path, kind: str, name: str) -> Path | None:
    """The path of one report file, or None for any name that is not one (no traversal)."""
    if not KIND_NAME.match(kind) or not FILE_NAME.match(name):
        return None
    path = (folder / kind / name).resolve()  # absolute: Flask reads relative paths elsewhere
    return path if path.is_file() else None


def expire_reports(folder: Path, before: datetime, tz: str) -> int:
    """Delete the report files (HTML and PDF) whose moment is before `before`; how many.
    Files whose names are not a report's are left alone."""
    zone, gone = ZoneInfo(tz), 0
    if not folder.is_dir():
        return 0
    for sub in folder.iterdir():
        if not sub.is_dir() or not KIND_NAME.match(sub.name):
            continue
        for path in sub.iterdir():
            match = FILE_NAME.match(path.name)
            if match and datetime.strptime(match[1], "%Y-%m-%dT%H%M").replace(
                    tzinfo=zone) < before:  # fmt: skip
                path.unlink(missing_ok=True)
                gone += 1
    return gone
