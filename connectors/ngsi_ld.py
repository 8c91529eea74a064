"""NGSI-LD brokers (Orion-LD, Scorpio, Stellio): `/ngsi-ld/v1/entities`, paged to the count.

Owns the LD side only: the listing (limit/offset until `NGSILD-Results-Count`,
`NGSILD-Tenant`, the @context `Link` header, RFC 7807 errors) and turning an LD entity
(Property / GeoProperty / Relationship, expanded or short names, or the concise form)
into the keyValues-like dict that `connectors.ngsi` maps to rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import requests

from connectors.base import Window
from connectors.http import FeedError, expect_json
from connectors.ngsi import NgsiConnector, count_header, page_through

# Where each kind of attribute keeps its value; "value" for Property and GeoProperty.
VALUE_MEMBERS = {
    "Property": "value",
    "GeoProperty": "value",
    "Relationship": "object",
    "LanguageProperty": "languageMap",
    "ListProperty": "valueList",
    "ListRelationship": "objectList",
    "JsonProperty": "json",
    "VocabProperty": "vocab",
}
# Entity members that are JSON-LD or broker bookkeeping, not attributes of the thing.
LD_MEMBERS = frozenset({"id", "type", "@context", "createdAt", "modifiedAt", "deletedAt"})
# The measurement whose observedAt stands for the observation time when dateObserved is absent.
OBSERVED_BY = {"WasteContainer": "fillingLevel", "TrafficFlowObserved": "averageVehicleSpeed"}
LINK_REL = 'rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'


def short_name(name: str) -> str:
    """`https://smartdatamodels.org/dataModel.WasteManagement/fillingLevel` -> `fillingLevel`
    (also `…#fillingLevel` and `prefix:fillingLevel`); a short name is returned as is."""
    return re.split(r"[/#:]", name.rstrip("/#"))[-1] or name


def _is_attribute(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    if "type" in value:
        return value["type"] in VALUE_MEMBERS
    return "value" in value or "object" in value  # concise: the type left out


def _instance(attr: object) -> object:
    """A multi-attribute (a list of instances with datasetIds) -> its default instance."""
    if isinstance(attr, list) and attr and all(_is_attribute(a) for a in attr):
        return next((a for a in attr if "datasetId" not in a), attr[0])
    return attr


def _value(attr: object) -> object:
    if not _is_attribute(attr):
        return attr  # keyValues / simplified: already the plain value
    member = VALUE_MEMBERS.get(attr.get("type"), "value" if "value" in attr else "object")
    value = attr.get(member)
    if isinstance(value, dict) and "@value" in value:  # {"@type": "DateTime", "@value": "…"}
        return value["@value"]
    return value


def ld_type(value: object, wanted: str) -> object:
    """The entity's type as a short name: `wanted` if it is among its (possibly several,
    possibly expanded) types."""
    types = value if isinstance(value, list) else [value]
    names = [short_name(t) for t in types if isinstance(t, str)]
    if wanted in names:
        return wanted
    return names[0] if names else value


def key_values(entity: dict, wanted: str) -> dict:
    """An NGSI-LD entity (normalized, concise or keyValues) -> short name: plain value."""
    out = {"id": entity["id"], "type": ld_type(entity.get("type"), wanted)}
    observed = {}
    for name, attr in entity.items():
        if name in LD_MEMBERS:
            continue
        short = short_name(name)
        chosen = _instance(attr)
        out[short] = _value(chosen)
        if _is_attribute(chosen) and chosen.get("observedAt"):
            observed[short] = chosen["observedAt"]
    measured = OBSERVED_BY.get(wanted)
    if out.get("dateObserved") is None and measured in observed:
        out["dateObserved"] = observed[measured]
    return out


def problem_text(response: requests.Response) -> str | None:
    """`title: detail` of an RFC 7807 problem body, if the response carries one."""
    try:
        problem = response.json()
    except ValueError:
        return None
    if not isinstance(problem, dict) or not ({"title", "detail"} & problem.keys()):
        return None
    text = ": ".join(str(problem[k]) for k in ("title", "detail") if problem.get(k))
    return f"{text} ({problem['type']})" if problem.get("type") else text


class NgsiLdConnector(NgsiConnector):
    def to_key_values(self, record: dict) -> dict:
        return key_values(record, self.settings.entity_type)

    def fetch(self, http: requests.Session, window: Window) -> Iterator[list[dict]]:
        # With application/json the broker puts the @context in a Link header, with
        # application/ld+json in the body; either way it is not needed to read the entities.
        headers = {"Accept": "application/json"}
        if self.settings.ngsild_tenant:
            headers["NGSILD-Tenant"] = self.settings.ngsild_tenant
        if self.settings.ngsild_context:
            headers["Link"] = f"<{self.settings.ngsild_context}>; {LINK_REL}"
        url = self.settings.url.rstrip("/") + "/ngsi-ld/v1/entities"
        limit = self.settings.page_size

        def get_page(offset: int) -> tuple[list, int | None]:
            params = {
                "type": self.settings.entity_type,
                "limit": limit,
                "offset": offset,
                "count": "true",
            }
            response = http.get(
                url, params=params, headers=headers, timeout=self.settings.timeout_s
            )
            if response.status_code >= 400 and (problem := problem_text(response)):
                raise FeedError(f"NGSI-LD broker answered {response.status_code}: {problem}")
            response.raise_for_status()
            page = expect_json(response, url).json()
            if not isinstance(page, list):
                raise FeedError(f"NGSI-LD answered a {type(page).__name__}, expected a list")
            return page, count_header(response, "NGSILD-Results-Count")

        found = 0
        for page in page_through(url, limit, get_page):
            found += len(page)
            yield page
        if not found and not self.settings.ngsild_context:
            # The type is expanded with the core context: entities created under the
            # Smart Data Models' context have another full type name, and are not found.
            self.warn_once(
                f"no {self.settings.entity_type} entities: if the broker holds them under "
                "the Smart Data Models' @context, set ngsild_context"
            )
