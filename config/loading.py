"""Reading the config the way an operator needs it read: the file must exist when
$C3_CONFIG names it; every mistake is found at once, named by file and line (or by
environment variable), with a "did you mean" for a misspelt key; and a mistake inside
one `[[connectors]]` table sets that feed aside as misconfigured while the rest run.
Anything else wrong is a `ConfigError`: C3 does not start on a config it cannot trust."""

from __future__ import annotations

import os
import re
import tomllib
import types
import typing
from pathlib import Path

from pydantic import BaseModel, ValidationError

from config.connectors import ConnectorSettings
from config.problems import ConfigError, ConfigProblem, KeyLines, did_you_mean
from config.settings import CONFIG_FILE_ENV, Settings

DEFAULT_FILE = Path("c3.toml")


def load_settings(**overrides) -> Settings:
    """Settings from the config file and the environment (overrides win); raises
    `ConfigError` listing every mistake outside `[[connectors]]`."""
    path = config_file()
    data, lines = read_toml(path) if path else ({}, KeyLines(""))
    origin = _Origin(path, data, lines)
    raw = data.get("connectors")
    aside: list[ConfigProblem] = []
    places = {}
    if isinstance(raw, list) and "connectors" not in overrides and not _env_sets("connectors"):
        overrides["connectors"], aside = split_connectors(raw, origin)
        places = {e["name"]: origin.where(("connectors", i)) for i, e in enumerate(raw)
                  if isinstance(e, dict) and isinstance(e.get("name"), str)}  # fmt: skip
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        problems = [origin.problem(error) for error in exc.errors()]
        raise ConfigError(sorted(problems, key=by_line)) from None
    settings._misconfigured, settings._feed_places = aside, places
    return settings


def config_file() -> Path | None:
    """The file $C3_CONFIG names (it must exist; /dev/null reads none), else ./c3.toml if
    there is one."""
    named = os.environ.get(CONFIG_FILE_ENV)
    if named is None:
        return DEFAULT_FILE if DEFAULT_FILE.is_file() else None
    path = Path(named).expanduser()
    if not path.exists() or path.is_dir():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise ConfigError([ConfigProblem(CONFIG_FILE_ENV, f"names {path}, which {what}")])
    return path


def read_toml(path: Path) -> tuple[dict, KeyLines]:
    """The file's tables, and the line of each key; a syntax error names its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem(str(path), f"cannot read it: {exc}")]) from None
    try:
        return tomllib.loads(text), KeyLines(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        where = f"{path}:{at[1]}" if at else str(path)
        raise ConfigError([ConfigProblem(where, f"not valid TOML: {message}")]) from None


def split_connectors(
    raw: list, origin: _Origin
) -> tuple[list[ConnectorSettings], list[ConfigProblem]]:
    """The `[[connectors]]` that can run, and the problems of those set aside: invalid
    values, unknown keys, a local file that is not there, or a name used twice (both are
    set aside: which one was meant is not C3's guess)."""
    feeds: list[tuple[int, ConnectorSettings]] = []
    problems: list[ConfigProblem] = []
    for index, entry in enumerate(raw):
        name = entry.get("name") if isinstance(entry, dict) else None
        label = name if isinstance(name, str) else f"#{index + 1}"
        try:
            feed = ConnectorSettings.model_validate(entry)
        except ValidationError as exc:
            problems += [origin.problem(e, ("connectors", index), label) for e in exc.errors()]
            continue
        path = Path(feed.url).expanduser()
        if feed.kind == "file" and "://" not in feed.url and not path.is_file():
            where = origin.where(("connectors", index, "url"))
            problems.append(ConfigProblem(where, f"no file at {path.resolve()}", label))
            continue
        feeds.append((index, feed))
    lines: dict[str, list[int]] = {}
    for index, feed in feeds:
        lines.setdefault(feed.name, []).append(index)
    for name, indexes in lines.items():
        if len(indexes) > 1:
            places = [origin.where(("connectors", i)) for i in indexes]
            others = ", ".join(place.rsplit(":", 1)[-1] for place in places[1:])
            problems.append(ConfigProblem(places[0], f"the name {name!r} is used again (line "
                                          f"{others}); names must be unique", name))  # fmt: skip
    return [f for _, f in feeds if len(lines[f.name]) == 1], sorted(problems, key=by_line)


def by_line(problem: ConfigProblem) -> tuple[str, int]:
    """Problems in the order of the file."""
    where, _, line = problem.where.rpartition(":")
    return (where, int(line)) if line.isdigit() else (problem.where, 0)


class _Origin:
    """Where a setting came from (file and line, or environment variable), and a pydantic
    error as an operator reads it."""

    def __init__(self, path: Path | None, data: dict, lines: KeyLines):
        self.path, self.data, self.lines = path, data, lines

    def where(self, loc: tuple) -> str:
        if loc and loc[0] not in self.data and _env_sets(str(loc[0])):
            return f"environment {_env_name(str(loc[0]))}"
        if self.path is None or not loc or loc[0] not in self.data:
            return "settings" if self.path is None else str(self.path)
        line = self.lines.line_of(loc)
        return f"{self.path}:{line}" if line else str(self.path)

    def problem(self, error: dict, prefix: tuple = (), connector: str | None = None):
        loc = (*prefix, *error["loc"])
        return ConfigProblem(self.where(loc), _message(error, loc, len(prefix), connector),
                             connector)  # fmt: skip


def _message(error: dict, loc: tuple, inside: int, connector: str | None) -> str:
    """The error in words; `loc[inside:]` names the key within its `[[connectors]]` table."""
    key = ".".join(str(part) for part in loc[inside:] if not isinstance(part, int))
    kind, text = error["type"], error["msg"].removeprefix("Value error, ")
    if connector and text.startswith(f"connector {connector!r}: "):
        text = text.removeprefix(f"connector {connector!r}: ")
    if kind == "extra_forbidden":
        return f"unknown key {key}{did_you_mean(str(loc[-1]), _keys_at(loc[:-1]))}"
    if kind == "missing":
        return f"{key} is required"
    if kind.endswith("_error") and kind != "value_error" and "input" in error:
        return f"{key}: {text} (got {error['input']!r})"
    return f"{key}: {text}" if key else text


def _keys_at(loc: tuple) -> list[str]:
    """The keys allowed at `loc` (the fields of the settings model there)."""
    annotation: object = Settings
    for part in loc:
        annotation = _not_none(annotation)
        origin = typing.get_origin(annotation)
        if origin in (list, dict):  # `part` is an index or a key: go to the item's type
            annotation = typing.get_args(annotation)[-1]
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return []
            annotation = field.annotation
        else:
            return []
    annotation = _not_none(annotation)
    is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
    return list(annotation.model_fields) if is_model else []


def _not_none(annotation: object) -> object:
    """X for `X | None`."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kept = [a for a in typing.get_args(annotation) if a is not type(None)]
        return kept[0] if len(kept) == 1 else annotation
    return annotation


def _env_name(field: str) -> str:
    return f"C3_{field.upper()}"


def _env_sets(field: str) -> bool:
    name = _env_name(field)
    return any(key.upper() == name or key.upper().startswith(f"{name}__") for key in os.environ)
