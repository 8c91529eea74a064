"""A dry run of one connector (`c3 connectors check`): fetch its first pages and say what
would land and what would be quarantined, and why, without writing anything."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import requests

from connectors.base import Connector, Window
from connectors.http import make_session
from connectors.runner import error_text, normalized_or_reason
from store.ledger import get_watermark

_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?!\w)")


def reason_kind(reason: str) -> str:
    """A reason without the values in it: quoted values become '…' and numbers N, so
    "unknown road segment 'x123'" and "unknown road segment 'x124'" are one kind."""
    return _NUMBER.sub("N", _QUOTED.sub("'…'", reason))


@dataclass
class ReasonGroup:
    """The rejects of one kind of reason: how many, how many different reasons, and the
    first one as an example."""

    kind: str
    count: int
    reasons: int
    example_reason: str
    example: object


@dataclass
class CheckResult:
    window: Window | None = None
    fetched: int = 0
    accepted: Counter = field(default_factory=Counter)  # rows per table
    samples: dict[str, list[dict]] = field(default_factory=dict)
    rejects: list[tuple[str, object]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def reasons(self) -> Counter:
        return Counter(reason for reason, _ in self.rejects)

    def groups(self) -> list[ReasonGroup]:
        """The rejects grouped by the kind of their reason (`reason_kind`), most first."""
        found: dict[str, ReasonGroup] = {}
        seen: dict[str, set[str]] = {}
        for reason, record in self.rejects:
            kind = reason_kind(reason)
            group = found.setdefault(kind, ReasonGroup(kind, 0, 0, reason, record))
            group.count += 1
            seen.setdefault(kind, set()).add(reason)
        for kind, group in found.items():
            group.reasons = len(seen[kind])
        return sorted(found.values(), key=lambda g: g.count, reverse=True)


def check_connector(connector: Connector, cur: duckdb.DuckDBPyConnection, now: datetime,
                    pages: int = 1, http: requests.Session | None = None,
                    samples: int = 3) -> CheckResult:  # fmt: skip
    """Fetch up to `pages` pages of the window the next run would ask for and normalize
    them as a run would; `cur` is only read (watermark, what normalize needs)."""
    result = CheckResult()
    http = http or make_session(connector.settings.retries)
    try:
        connector.prepare(cur)
        result.window = connector.window(get_watermark(cur, connector.name), now)
        for number, page in enumerate(connector.fetch(http, result.window), start=1):
            for record in page:
                result.fetched += 1
                normalized, reason = normalized_or_reason(connector, record)
                if reason is not None:
                    result.rejects.append((reason, record))
                    continue
                for table, row in normalized.items():
                    result.accepted[table] += 1
                    kept = result.samples.setdefault(table, [])
                    if len(kept) < samples:
                        kept.append(row)
            if number >= pages:
                break
    except Exception as exc:
        result.error = error_text(exc, connector.settings.api_key)
    result.warnings = list(connector.warnings)
    return result
