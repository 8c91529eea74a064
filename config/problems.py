"""Config mistakes as an operator reads them: `ConfigProblem` (where, what, and a "did you
mean" for a near-miss key), `ConfigError` (every problem of a config at once), and the
line of each key in a TOML file, which `tomllib` does not keep."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigProblem:
    """One mistake: `where` is 'c3.toml:12' (or an environment variable's name), and
    `connector` names the feed it sets aside, if it is inside a `[[connectors]]` table."""

    where: str
    message: str
    connector: str | None = None

    def __str__(self) -> str:
        feed = f"connector {self.connector!r}: " if self.connector else ""
        return f"{self.where}: {feed}{self.message}"


class ConfigError(Exception):
    """The config cannot be used; `problems` lists every mistake found, not only the first."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def did_you_mean(word: str, choices) -> str:
    """' (did you mean interval_s?)' for a near miss among `choices`, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+)\s*=")


def _dotted(key: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in key.split("."))


class KeyLines:
    """The line number of each table and key of a TOML text, by path: ('smtp', 'host'),
    ('connectors', 2, 'url'); a key inside an inline table has its parent key's line."""

    def __init__(self, text: str):
        self.lines: dict[tuple, int] = {}
        table: tuple = ()
        arrays: dict[tuple, int] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if header := _HEADER.match(line):
                path = _dotted(header[2])
                if header[1] == "[[":
                    arrays[path] = arrays.get(path, -1) + 1
                    path = (*path, arrays[path])
                table = path
                self.lines.setdefault(table, number)
            elif key := _KEY.match(line):
                self.lines.setdefault((*table, *_dotted(key[1])), number)

    def line_of(self, path: tuple) -> int | None:
        """The line of `path`, or of its nearest enclosing key or table."""
        for end in range(len(path), 0, -1):
            if (found := self.lines.get(tuple(path[:end]))) is not None:
                return found
        return None


def known_time_zone(zone: str) -> str:
    """`zone` if the IANA database knows it; else a ValueError with the nearest names."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {zone!r}{did_you_mean(zone, available_timezones())}; "
            "use an IANA name such as Europe/Helsinki"
        ) from None
    return zone
