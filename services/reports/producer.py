"""Snapshot reports (issue #6), end to end: the scheduler's report job (`Reporter.tick`,
every minute), on-demand runs (`c3 report`), and e-mail delivery with retries. Content
is `content`, pictures `pictures`, files `render`, slots `schedule`, e-mail `delivery`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from config import ReportKind, Settings
from services.outcomes import week_outcomes
from services.reports import delivery
from services.reports.content import Snapshot, build_snapshot
from services.reports.render import ReportFiles, file_stem, write_report
from services.reports.schedule import last_slot, run_due
from store import Store, reports

log = logging.getLogger(__name__)


@dataclass
class Produced:
    snapshot: Snapshot
    files: ReportFiles

    @property
    def missing(self) -> list[str]:
        extra = [f"PDF: could not be made ({self.files.pdf_error})"] if self.files.pdf_error else []
        return self.snapshot.missing + extra


class Reporter:
    """Produces, files and sends the configured report kinds for one store."""

    def __init__(self, store: Store, settings: Settings, bounds, basemap_path: Path | None,
                 feed_intervals: dict[str, int] | None = None, planner=None):  # fmt: skip
        self.store, self.settings = store, settings
        self.bounds, self.basemap_path = bounds, basemap_path
        self.feed_intervals = feed_intervals
        self.planner = planner  # services.collection.CollectionPlanner: the collection windows

    @property
    def kinds(self) -> dict[str, ReportKind]:
        return {k.name: k for k in self.settings.reports}

    def kind(self, name: str) -> ReportKind:
        if name not in self.kinds:
            raise KeyError(f"no report kind {name!r}; configured: {', '.join(self.kinds)}")
        return self.kinds[name]

    def previous(self, kind: ReportKind, at: datetime) -> datetime:
        """The previous report's moment: the kind's slot before `at`, else a day before."""
        found = last_slot(kind.cron, self.settings.timezone, at - timedelta(seconds=1))
        return found or at - timedelta(days=1)

    def produce(self, kind: ReportKind, at: datetime, late: bool = False,
                now: datetime | None = None, mail: bool = True) -> Produced:  # fmt: skip
        """Build and write one report of `kind` showing the city at `at`; queue its e-mail
        (when SMTP is set up, the kind has recipients and `mail`)."""
        now = now or datetime.now(UTC)
        snapshot = build_snapshot(
            self.store, self.settings, kind, at, self.previous(kind, at), late=late,
            feed_intervals=self.feed_intervals, produced_at=now,
            best_windows=None if self.planner is None else self.planner.best_windows,
            outcomes=None if self.planner is None else self._outcomes,
        )  # fmt: skip
        files = write_report(snapshot, self.settings.report_folder, self.bounds, self.basemap_path)
        produced = Produced(snapshot, files)
        for line in produced.missing:
            log.warning("report %s %s: part missing: %s", kind.name, files.html.name, line)
        log.info("report %s written: %s", kind.name, files.html.with_suffix(""))
        if mail and self.settings.smtp.host and kind.recipients:
            reports.queue_delivery(self.store, kind.name, at, kind.recipients, now)
        return produced

    def _outcomes(self, end: datetime, zones: list[str]):
        return week_outcomes(self.store, self.planner.city, self.settings, end, zones)

    def run_slot(self, kind: ReportKind, slot: datetime, late: bool, now: datetime) -> str | None:
        """The schedule's producer: returns the missing parts, for the ledger."""
        return "; ".join(self.produce(kind, slot, late, now).missing) or None

    def on_demand(self, name: str, at: datetime | None = None, mail: bool = False) -> Produced:
        """`c3 report`: one report now, or of the city as it was at `at` (a re-run of a
        slot replaces its files and its ledger row). E-mailed only with `mail`: a re-run
        must not send a report its readers already have."""
        kind = self.kind(name)
        now = datetime.now(UTC)
        at = (at or now).replace(second=0, microsecond=0)
        if at > now:
            raise ValueError(f"{at:%Y-%m-%d %H:%M} UTC is in the future: no data to show yet")
        if not reports.reclaim(self.store, kind.name, at, now):
            raise RuntimeError(f"the {kind.name} report of {at:%Y-%m-%d %H:%M} UTC is being "
                               "produced right now; try again in a minute")  # fmt: skip
        try:
            produced = self.produce(kind, at, now=now, mail=mail)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            reports.finish(self.store, kind.name, at, datetime.now(UTC), error)
            raise
        reports.finish(self.store, kind.name, at, datetime.now(UTC), None,
                      "; ".join(produced.missing) or None)  # fmt: skip
        self.deliver_due(datetime.now(UTC))
        return produced

    def tick(self, now: datetime | None = None) -> None:
        """The scheduler's job: produce every kind whose slot came, send what is due."""
        now = now or datetime.now(UTC)
        late_after = timedelta(minutes=self.settings.report_late_after_minutes)
        run_due(
            self.store, self.settings.reports, self.settings.timezone, now,
            lambda kind, slot, late: self.run_slot(kind, slot, late, now), late_after,
        )  # fmt: skip
        self.deliver_due(now)

    def deliver_due(self, now: datetime) -> None:
        """Send each pending e-mail whose attempt is due; a failure is logged and retried."""
        smtp = self.settings.smtp
        if not smtp.host:
            return
        for name, slot, recipients, attempts in reports.take_due_deliveries(self.store, now):
            kind = self.kinds.get(name)
            error = None
            try:
                if kind is None:
                    raise KeyError(f"report kind {name!r} is no longer configured")
                delivery.send(smtp, self._mail(kind, slot, recipients))
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.warning("report %s %s: e-mail failed (attempt %d): %s",
                            name, slot, attempts + 1, error)  # fmt: skip
            retry = (
                None if error is None
                else delivery.next_attempt(now, attempts + 1, smtp.max_attempts)
            )  # fmt: skip
            reports.record_delivery(self.store, name, slot, now, error, retry)

    def _mail(self, kind: ReportKind, slot: datetime, recipients: list[str]):
        folder = self.settings.report_folder / kind.name
        name = file_stem(slot, self.settings.timezone)
        pdf, html = folder / f"{name}.pdf", folder / f"{name}.html"
        with self.store.reading() as cur:
            late, missing = reports.run_outcome(cur, kind.name, slot)
        moment = f"{name[:10]} {name[11:13]}:{name[13:]}"
        subject = f"{kind.title} — {self.settings.city_name} — {moment}"
        subject += " (late)" if late else ""
        lines = [
            f"{kind.title} for {self.settings.city_name}: the city at {moment} "
            f"({self.settings.timezone}).",
            "",
            "The report is attached as a PDF." if pdf.exists()
            else "The PDF could not be made; the report is attached as HTML.",
        ]
        if late:
            lines.append("It was produced late: C3 was not running at its time.")
        if missing:
            lines += ["", "Parts missing:", *[f"- {m}" for m in missing.split("; ")]]
        mail = delivery.message(
            self.settings.smtp.sender, recipients, subject, "\n".join(lines),
            pdf if pdf.exists() else None,
        )  # fmt: skip
        if not pdf.exists() and html.exists():
            mail.add_attachment(html.read_bytes(), maintype="text", subtype="html",
                                filename=html.name)  # fmt: skip
        return mail
