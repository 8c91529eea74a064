"""Reading the config the way an operator needs it read: the file must exist when
$C3_CONFIG names it; every mistake is found at once, named by file and line (or by
environment variable), with a "did you mean" for a misspelt key; and a mistake inside
one `[[connectors]]` table sets that feed aside as misconfigured while the rest run.
Anything else wrong is a `ConfigError`: C3 does not start on a config it cannot trust."""

from __future__ import annotations

import itertools
import json
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
    """Settings from the config file and the environment (overrides win). A mistake
    inside one connector's table sets that connector aside (`Settings.misconfigured`);
    any other raises `ConfigError`, listing every mistake, the connectors' too."""
    path = config_file()
    data, lines = read_toml(path) if path else ({}, KeyLines(""))
    origin = _Origin(path, data, lines)
    problems: list[ConfigProblem] = []
    aside: list[ConfigProblem] = []
    places: dict[str, str] = {}
    raw, env, wrong = _connector_entries(data, overrides)
    if wrong is not None:  # C3_CONNECTORS is not a JSON list: said once, not again by pydantic
        problems.append(wrong)
        overrides["connectors"] = []
    elif raw is not None:
        overrides["connectors"], aside, places = split_connectors(raw, origin, env)
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        problems += [origin.problem(error) for error in exc.errors()]
    if problems:
        raise ConfigError(sorted(problems + aside, key=by_line))
    settings._misconfigured, settings._feed_places = aside, places
    return settings


def _connector_entries(
    data: dict, overrides: dict
) -> tuple[list | None, str | None, ConfigProblem | None]:
    """The connector entries to check one by one, the environment variable they come from
    (None: the file), and the problem of a $C3_CONNECTORS that is not a JSON list. The
    environment wins over the file, as for every setting; a caller's connectors are
    taken as given."""
    if "connectors" in overrides:
        return None, None, None
    env = next((key for key in os.environ if key.upper() == _env_name("connectors")), None)
    if env is None:
        raw = data.get("connectors")
        return (raw if isinstance(raw, list) and not _env_sets("connectors") else None), None, None
    try:
        raw = json.loads(os.environ[env])
    except json.JSONDecodeError as exc:
        return None, None, ConfigProblem(f"environment {env}", f"not valid JSON: {exc}")
    if not isinstance(raw, list):
        wrong = 'must be a JSON list of connectors: [{"name": ...}, ...]'
        return None, None, ConfigProblem(f"environment {env}", wrong)
    return raw, env, None


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
    raw: list, origin: _Origin, env: str | None = None
) -> tuple[list[ConnectorSettings], list[ConfigProblem], dict[str, str]]:
    """The connectors that can run; the problems of those set aside, one per connector
    (its reasons joined); and where each is set ('c3.toml:12', or `environment
    C3_CONNECTORS[2]` when `env` names the variable they come from). Set aside: invalid
    values, unknown keys, a local file that is not there, and every entry of a name used
    more than once, valid or not (which one was meant is not C3's guess)."""

    def where(index: int, *keys) -> str:
        if env is not None:
            return f"environment {env}[{index}]"
        return origin.where(("connectors", index, *keys))

    labels = [_label(entry, index) for index, entry in enumerate(raw)]
    feeds: dict[int, ConnectorSettings] = {}
    said: dict[int, list[tuple[str, str]]] = {}  # index -> (where, reason) of each mistake
    for index, entry in enumerate(raw):
        feed, mistakes = _check_entry(entry, labels[index], lambda *keys, i=index: where(i, *keys))
        if mistakes:
            said[index] = mistakes
        else:
            feeds[index] = feed
    entries: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        entries.setdefault(label, []).append(index)
    problems = [_one_problem(label, [(i, where(i), said.get(i, [])) for i in indexes])
                for label, indexes in entries.items()
                if len(indexes) > 1 or indexes[0] in said]  # fmt: skip
    kept = [feed for index, feed in sorted(feeds.items()) if len(entries[labels[index]]) == 1]
    places = {label: where(indexes[0]) for label, indexes in entries.items()}
    return kept, sorted(problems, key=by_line), places


def _check_entry(entry: object, label: str, where) -> tuple[ConnectorSettings | None, list]:
    """One entry's connector, or its mistakes as (where, reason), all of them: unknown
    keys hide nothing (the entry is checked again without them, so that the checks of the
    whole entry, its URL's, run too), and a local file that is not there is one."""
    try:
        feed, mistakes = ConnectorSettings.model_validate(entry), []
    except ValidationError as exc:
        index = ("connectors", -1)  # _message needs the key's path; the index is not shown
        mistakes = [(where(*e["loc"]), _message(e, (*index, *e["loc"]), 2, label))
                    for e in exc.errors()]  # fmt: skip
        unknown = {e["loc"][0] for e in exc.errors()
                   if e["type"] == "extra_forbidden" and len(e["loc"]) == 1}  # fmt: skip
        if not unknown or len(unknown) < len(exc.errors()) or not isinstance(entry, dict):
            return None, mistakes
        known = {key: value for key, value in entry.items() if key not in unknown}
        _, more = _check_entry(known, label, where)
        return None, mistakes + more
    path = Path(feed.url).expanduser()
    if feed.kind == "file" and "://" not in feed.url and not path.is_file():
        mistakes.append((where("url"), f"no file at {path.resolve()}"))
    return feed, mistakes


def _label(entry: object, index: int) -> str:
    """A connector's name, or '#3' for the third entry when it has none."""
    name = entry.get("name") if isinstance(entry, dict) else None
    return name if isinstance(name, str) else f"#{index + 1}"


def _one_problem(label: str, entries: list[tuple[int, str, list[tuple[str, str]]]]):
    """The one problem of the connector `label` (its entries: index, where, its mistakes):
    its reasons joined in the order found, at the place of the first in the file; for a
    name used by several entries, that first, then each entry's own reasons after its
    place."""
    if len(entries) == 1:
        said = entries[0][2]
        reasons = dict.fromkeys(reason for _, reason in said)  # once each
        first = min((place for place, _ in said), key=_line_key)
        return ConfigProblem(first, "; ".join(reasons), label)
    places = [place for _, place, _ in entries]
    message = (f"the name {label!r} is used again ({', '.join(map(_short, places[1:]))}); "
               "names must be unique")  # fmt: skip
    for _, place, said in entries:
        if said:
            message += f"; {_short(place)}: " + "; ".join(reason for _, reason in said)
    return ConfigProblem(places[0], message, label)


def _short(place: str) -> str:
    """'line 6' for 'c3.toml:6', 'C3_CONNECTORS[2]' for 'environment C3_CONNECTORS[2]'."""
    _, _, line = place.rpartition(":")
    return f"line {line}" if line.isdigit() else place.removeprefix("environment ")


def by_line(problem: ConfigProblem) -> tuple[str, int]:
    """Problems in the order of the file (and of a list in the environment)."""
    return _line_key(problem.where)


def _line_key(where: str) -> tuple[str, int]:
    place, _, line = where.rpartition(":")
    if line.isdigit():
        return place, int(line)
    item = re.fullmatch(r"(.*)\[(\d+)\]", where)
    return (item[1], int(item[2])) if item else (where, 0)


class _Origin:
    """Where a setting came from (file and line, or environment variable), and a pydantic
    error as an operator reads it."""

    def __init__(self, path: Path | None, data: dict, lines: KeyLines):
        self.path, self.data, self.lines = path, data, lines

    def where(self, loc: tuple) -> str:
        if (env := _env_of(loc)) is not None:  # the environment wins over the file
            return f"environment {env}"
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


def _env_of(loc: tuple) -> str | None:
    """The environment variable that set the value at `loc`, if one did: its own
    (C3_SMTP__PORT for smtp.port), else its table's (C3_SMTP, a JSON object)."""
    keys = list(itertools.takewhile(lambda part: not isinstance(part, int), loc))
    names = {key.upper(): key for key in os.environ}
    for end in range(len(keys), 0, -1):
        name = _env_name("__".join(str(key) for key in keys[:end]))
        if name in names:
            return names[name]
    return None


def _env_sets(field: str) -> bool:
    name = _env_name(field)
    return any(key.upper() == name or key.upper().startswith(f"{name}__") for key in os.environ)
