"""Feed health: each configured connector's state (and whether its runs or the age of its
newest observation made it stale), last success, last error, runs of the last 24 h and
quarantine, as plain data that `/feeds`, `/api/feeds` and `c3 connectors list` share."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from analytics.freshness import assess, data_note
from config import ConfigProblem, Settings
from services.access import Principal
from store import feeds
from store.queries import feed_status
from store.source_updates import backlog


def health_rows(
    settings: Settings, intervals: dict[str, int], now: datetime, cur
) -> list[dict]:
    """One dict per configured connector: what the row shows (plain data, testable)."""
    status = {r["connector"]: r for r in feed_status(cur)}
    errors = feeds.last_errors(cur)
    counts = feeds.quarantine_counts(cur)
    since = now - timedelta(hours=24)
    runs = feeds.runs_since(cur, since)
    kinds = {f.name: f for f in settings.feeds}
    owed = backlog(cur)  # what the work orders owe the sources that take updates
    rows = []
    for name, interval in intervals.items():
        run = status.get(name, {})
        own = runs[runs["connector"] == name]
        feed = kinds.get(name)
        fresh = assess(now, run, interval, settings.stale_after_intervals, settings.degraded_share,
                       operator=True)  # fmt: skip
        rows.append(
            {
                "name": name,
                "domain": run.get("domain"),  # of its data, from its last run
                "kind": "" if feed is None else feed.kind + (
                    f" · {feed.entity_type}" if feed.entity_type else ""),  # fmt: skip
                "state": fresh.state,
                "stale_by": fresh.stale_by,  # run | data | None
                "newest_observed_at": fresh.newest_observed_at,
                "why": data_note(fresh, now, settings.timezone),  # stale by data: how old
                # the last run's records rejected (quarantined or already held), of those fetched
                "rejected": (run.get("last_rejected") or 0, run.get("last_fetched") or 0),
                "last_success_at": run.get("last_success_at"),
                "last_error": errors.get(name),
                "runs": len(own),
                "failed": int((own["status"] == "failed").sum()),
                # (position in the 24 h, 0-1; records fetched, None when the run failed)
                "fetched": [
                    ((t - since).total_seconds() / 86400, None if s == "failed" else float(f))
                    for t, f, s in zip(own["finished_at"], own["fetched"], own["status"],
                                       strict=True)
                ],
                "last": None if own.empty else own.iloc[-1].to_dict(),
                "quarantined": counts.get(name, (0, 0)),
                "interval_s": interval,
                "updates": None if feed is None or feed.post_updates == "off"
                else owed.get(name, {"waiting": 0, "oldest": None, "last_error": None,
                                     "refused": 0, "last_refusal": None}),
            }
        )  # fmt: skip
    return rows


def feed_summary(row: dict) -> dict:
    """A health row as JSON (`/api/feeds`, `c3 connectors list`)."""
    error = row["last_error"]
    return {
        "name": row["name"],
        "state": row["state"],
        "stale_by": row["stale_by"],
        "stale_reason": row["why"],
        "last_success_at": _iso(row["last_success_at"]),
        "newest_observation_at": _iso(row["newest_observed_at"]),
        "last_error": None if error is None else {"at": error[0].isoformat(), "error": error[1]},
        "runs_24h": row["runs"],
        "failed_24h": row["failed"],
        "quarantined": row["quarantined"][0],
        "last_run_rejected": row["rejected"][0],
        "last_run_fetched": row["rejected"][1],
        # a feed that takes the work orders' updates: those its source has not taken
        "updates_to_source": None if row["updates"] is None else {
            "waiting": row["updates"]["waiting"],
            "oldest_waiting_at": _iso(row["updates"]["oldest"]),
            "last_error": row["updates"]["last_error"],
            "refused": row["updates"]["refused"],
            "last_refusal": row["updates"]["last_refusal"],
        },
    }


def misconfigured_summary(problem: ConfigProblem) -> dict:
    """A connector set aside as misconfigured, as JSON: the keys of `feed_summary` (none
    of it known: it does not run), its state, and why (`reason`) and `where` it is set."""
    return {
        "name": problem.connector,
        "state": "misconfigured",
        "stale_by": None,
        "stale_reason": None,
        "last_success_at": None,
        "newest_observation_at": None,
        "last_error": None,
        "runs_24h": 0,
        "failed_24h": 0,
        "quarantined": 0,
        "last_run_rejected": 0,
        "last_run_fetched": 0,
        "updates_to_source": None,
        "reason": problem.message,
        "where": problem.where,
    }


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


PERSONAL_DOMAINS = frozenset({"complaints"})  # records of these may hold personal data
WITHHELD = "(withheld: this record may hold a complainant's personal data)"
# a rejected record was never placed in a zone, so it may lie outside a department's
WITHHELD_ZONES = "(withheld: your role sees some zones only, and this record has none)"


def quarantine_rows(cur, connector: str, who: Principal | None, zone: ZoneInfo) -> list[dict]:
    """A connector's quarantined records for the drill, newest first: the record as
    received only where the principal may see it (a complaints feed's records may hold a
    complainant's name, phone and address: personal data) and to a department scoped to
    zones (a rejected record has none); the reason always. A principal who does not see
    the connector's domain gets nothing."""
    domain = feeds.connector_domain(cur, connector)
    if who is None or not who.sees(domain):
        return []
    shown = who.personal_data or (domain is not None and domain not in PERSONAL_DOMAINS)
    withheld = WITHHELD_ZONES if who.zones else None if shown else WITHHELD
    return [
        {"last_seen": f"{r.last_seen_at.astimezone(zone):%Y-%m-%d %H:%M:%S}",
         "seen_count": int(r.seen_count), "reason": r.reason,
         "raw": withheld or r.raw}
        for r in feeds.quarantined(cur, connector).itertuples()
    ]  # fmt: skip


def visible_to(rows: list[dict], who: Principal | None) -> list[dict]:
    """The health rows of the connectors whose domain the principal sees (one that has
    not run yet has none: everyone's)."""
    return [] if who is None else [r for r in rows if who.sees(r["domain"])]
