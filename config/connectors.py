"""A feed to poll: `ConnectorSettings` (one `[[connectors]]` table of c3.toml), its checks
per kind, and the demo simulator's three feeds used when none are configured."""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from config.problems import known_time_zone


class ConnectorSettings(BaseModel):
    """One feed to poll."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error

    @property
    def api_key(self) -> str | None:
        return os.environ.get(self.api_key_env) or None if self.api_key_env else None

    name: str = Field(description="Unique connector name, shown on screens and in run records.")
    kind: Literal["open311", "ngsi-v2", "ngsi-ld", "file"] = Field(
        description="Feed protocol the connector speaks: open311, ngsi-v2, ngsi-ld or file "
        "(a CSV, GeoJSON or Parquet export)."
    )
    url: str = Field(
        description="Where the feed is: Open311 endpoint root, NGSI broker root, or for a file "
        "connector a local path or an http(s) URL."
    )
    entity_type: str | None = Field(
        default=None,
        description="NGSI entity type to read: WasteContainer, TrafficFlowObserved, "
        "Open311ServiceRequest or Vehicle (the field crews' positions).",
    )
    interval_s: int = Field(default=60, ge=5, description="Seconds between polls.")
    timeout_s: float = Field(default=10.0, gt=0, description="HTTP timeout per request, seconds.")
    retries: int = Field(default=4, ge=0, description="Retries per request on 429/5xx/timeouts.")
    page_size: int = Field(
        default=1000,
        ge=1,
        le=1000,
        description="Records per page: NGSI's limit, or Open311's page_size when `paged`.",
    )
    paged: bool = Field(
        default=False,
        description="Open311: the server offers the page/page_size extension (Chicago, Boston, "
        "Toronto); every window is read page by page until a short page.",
    )
    extensions: bool = Field(
        default=False,
        description="Open311: send extensions=true; the notes and attributes it adds are kept "
        "in the request's extras.",
    )
    ngsi_options: Literal["keyValues", "normalized"] = Field(
        default="keyValues",
        description="NGSI-v2: ask the broker for keyValues or the normalized representation.",
    )
    ngsild_tenant: str | None = Field(
        default=None, description="NGSI-LD tenant sent as the NGSILD-Tenant header."
    )
    ngsild_context: str | None = Field(
        default=None,
        description="NGSI-LD: the @context URL sent in the Link header, so the broker answers "
        "with the Smart Data Models' short attribute names; unset sends none (core context).",
    )
    format: Literal["json", "xml"] = Field(
        default="json", description="Open311: read requests.json or requests.xml."
    )
    max_results: int = Field(
        default=1000,
        ge=1,
        description="Open311: the server's cap per query; a full answer is split.",
    )
    jurisdiction_id: str | None = Field(
        default=None,
        description="Open311: jurisdiction_id sent with every query, if the server needs it.",
    )
    query_params: dict[str, str] = Field(
        default_factory=dict,
        description="Open311: extra query parameters sent with every query, e.g. "
        "{agency = 'DPW'} or a server's own switch; they cannot set the ones C3 sets itself "
        "(the window, ids, paging, api_key, jurisdiction_id, extensions, status).",
    )

    @model_validator(mode="after")
    def _query_params_are_extra(self) -> ConnectorSettings:
        """query_params only adds: a key C3 sets itself would fight C3's own value (or, for
        status, hide the closures C3 needs to see)."""
        instead = {
            "start_date": "use backfill_days and lookback_minutes",
            "end_date": "use backfill_days and lookback_minutes",
            "updated_after": "use updated_after = true",
            "updated_before": "use updated_after = true",
            "service_request_id": "C3 asks for the requests it holds open by id",
            "page": "use paged = true",
            "page_size": "use paged = true and page_size",
            "api_key": "use api_key_env",
            "jurisdiction_id": "use jurisdiction_id",
            "extensions": "use extensions = true",
            "status": "C3 reads every status, to see requests close",
        }
        for key in self.query_params:
            if (reason := instead.get(key.strip().lower())) is not None:
                raise ValueError(
                    f"connector {self.name!r}: query_params cannot set {key!r}, which C3 sets "
                    f"itself; {reason}"
                )
        return self

    api_key_env: str | None = Field(
        default=None,
        description="Open311: environment variable holding the api_key sent with every query "
        "(the key itself never goes in the config file, and is masked in run errors).",
    )
    post_updates: Literal["off", "open311", "webhook"] = Field(
        default="off",
        description="Open311: tell the source each status change of C3's work orders on its "
        "requests: open311 (POST servicerequestupdates, the mySociety extension that "
        "FixMyStreet and open311-adapter speak) or webhook (a signed JSON POST).",
    )
    webhook_url: str | None = Field(
        default=None, description="post_updates = 'webhook': where the JSON is POSTed."
    )
    webhook_secret_env: str | None = Field(
        default=None,
        description="post_updates = 'webhook': environment variable holding the secret the "
        "X-C3-Signature header (HMAC-SHA256 of the body) is made with.",
    )
    fiware_service: str | None = Field(
        default=None, description="NGSI tenant sent as the Fiware-Service header."
    )
    fiware_service_path: str | None = Field(
        default=None, description="NGSI service path sent as the Fiware-ServicePath header."
    )
    fill_scale: Literal["fraction", "percent"] | None = Field(
        default=None,
        description="NGSI WasteContainer: the scale of fillingLevel, fraction (0-1) or percent "
        "(0-100, divided by 100). Unset: values above 1 are quarantined, and so are the 0-1 "
        "values of a container that has sent one (its scale is unknown).",
    )
    road_match_m: float = Field(
        default=20.0,
        gt=0,
        description="NGSI TrafficFlowObserved: how far (m) a flow's location may lie from a "
        "road segment of the city model and still be matched to it; farther is quarantined.",
    )
    backfill_days: int = Field(
        default=14, ge=0, description="On the first run, how many days of history to pull."
    )
    lookback_minutes: int = Field(
        default=10, ge=0, description="Re-read this much before the watermark to catch late rows."
    )
    city_margin_km: float = Field(
        default=5.0,
        ge=0,
        description="A record's point farther than this (km) outside the city model's extent "
        "is quarantined; one inside with latitude and longitude swapped is swapped back.",
    )
    updated_after: bool = Field(
        default=False,
        description="Open311: the server supports updated_after/updated_before (Chicago style).",
    )
    file_format: Literal["csv", "geojson", "parquet"] | None = Field(
        default=None,
        description="File: csv, geojson or parquet; unset reads it from the url's suffix.",
    )
    domain: Literal["complaints", "waste", "traffic", "crews"] | None = Field(
        default=None,
        description="File: what the rows are: complaints (service requests), waste (container "
        "readings), traffic (segment speeds) or crews (GPS fixes of the crews' vehicles).",
    )
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="File: C3 field -> source column, e.g. {request_id = 'SRNumber'}; "
        "unmapped source columns are ignored.",
    )
    time_format: str | None = Field(
        default=None,
        description="File: strptime format of the time columns, e.g. '%m/%d/%Y %I:%M:%S %p'; "
        "unset reads ISO 8601.",
    )
    date: dt.date | None = Field(
        default=None,
        description="File: the day of every time, for an export of one day whose time_format "
        "has no date (e.g. '%H:%M'), when it has no date column to map as columns.date; "
        "e.g. 2026-11-24.",
    )
    date_format: str | None = Field(
        default=None,
        description="File: strptime format of the date column (columns.date), on whose day "
        "the times of day are put, e.g. '%m/%d/%Y'; unset reads ISO 8601 (2026-11-24).",
    )
    source_timezone: str | None = Field(
        default=None,
        description="File: time zone of times given without an offset; unset means the city's.",
    )
    no_data: list[str] = Field(
        default_factory=lambda: ["", "NA", "N/A"],
        description="File: values that mean 'no data' in every mapped column.",
    )
    no_data_by_field: dict[str, list[str]] = Field(
        default_factory=dict,
        description="File: more 'no data' values for some C3 fields only, e.g. "
        "{speed = ['-1']} (Socrata's and DATEX's -1; a -1 °C temperature stays a reading).",
    )
    encoding: str = Field(
        default="utf-8",
        description="File, CSV: the text encoding of the export (e.g. cp1252 for some "
        "spreadsheet exports).",
    )
    status_values: dict[str, Literal["open", "closed"]] = Field(
        default_factory=dict,
        description="File, complaints: the source's status words -> open or closed, "
        "e.g. {Closed = 'closed', Pending = 'open'}; a status not listed is quarantined.",
    )
    speed_unit: Literal["kmh", "mph"] = Field(
        default="kmh", description="File, traffic or crews: unit of the speed column."
    )

    @field_validator("source_timezone")
    @classmethod
    def _known_source_zone(cls, zone: str | None) -> str | None:
        return None if zone is None else known_time_zone(zone)

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, encoding: str) -> str:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(f"unknown text encoding {encoding!r} (e.g. utf-8, cp1252)") from None
        return encoding

    @model_validator(mode="after")
    def _url_for_its_kind(self) -> ConnectorSettings:
        """Feeds speak HTTP; a file connector reads a local path or an http(s) URL. Whether
        a local file exists is checked when the config is read (`config.loading`)."""
        parts = urlsplit(self.url)
        scheme = parts.scheme.lower()
        if self.kind != "file" and (scheme not in ("http", "https") or not parts.netloc):
            raise ValueError(
                f"url {self.url!r}: {self.kind} feeds are read over http:// or https://"
            )
        if self.kind == "file" and scheme not in ("", "http", "https"):
            raise ValueError(
                f"url {self.url!r}: a file connector reads a local path or an http(s) URL, "
                f"not {scheme}://"
            )
        return self

    @model_validator(mode="after")
    def _complete_for_its_kind(self) -> ConnectorSettings:
        if self.kind in ("ngsi-v2", "ngsi-ld") and not self.entity_type:
            raise ValueError(f"connector {self.name!r}: an NGSI connector needs entity_type")
        if self.post_updates != "off" and self.kind != "open311":
            raise ValueError(f"connector {self.name!r}: post_updates needs an open311 connector")
        if self.post_updates == "webhook" and not (self.webhook_url and self.webhook_secret_env):
            raise ValueError(f"connector {self.name!r}: post_updates = 'webhook' needs "
                             "webhook_url and webhook_secret_env")  # fmt: skip
        if self.kind == "file" and not (self.domain and self.columns):
            raise ValueError(f"connector {self.name!r}: a file connector needs domain and columns")
        return self

    @model_validator(mode="after")
    def _times_on_a_day(self) -> ConnectorSettings:
        """A time_format without a date reads times of day, which strptime puts on 1900-01-01:
        it needs the day from a date column or a fixed date (and they need times of day)."""
        if self.kind != "file":
            return self
        name, dated = self.name, self.date is not None or "date" in self.columns
        if self.date is not None and "date" in self.columns:
            raise ValueError(f"connector {name!r}: set date or map columns.date, not both")
        if self.time_format and not dated and not has_date(self.time_format):
            raise ValueError(
                f"connector {name!r}: time_format {self.time_format!r} has no date (no %d, %m, "
                "%Y, ...), so every time would land on 1900-01-01: map the export's date column "
                "as columns.date, or set date for an export of one day"
            )
        if dated and self.time_format and has_date(self.time_format):
            raise ValueError(
                f"connector {name!r}: time_format {self.time_format!r} has a date already; "
                "date and columns.date are for times of day only"
            )
        return self


# strptime directives that put a time on a day: day, month, year, day of the year, week,
# the locale's date
_DATE_DIRECTIVES = frozenset("dbBhmyYjUWGVcxsDF")


def has_date(time_format: str) -> bool:
    """Whether a strptime format reads a date ('%I:%M:%S %p' does not)."""
    return any(m[1] in _DATE_DIRECTIVES for m in re.finditer(r"%[-#:^]?(.)", time_format))


def demo_connectors(sim_url: str) -> list[ConnectorSettings]:
    return [
        ConnectorSettings(
            name="waste", kind="ngsi-v2", url=sim_url, entity_type="WasteContainer", interval_s=60
        ),
        ConnectorSettings(
            name="traffic",
            kind="ngsi-v2",
            url=sim_url,
            entity_type="TrafficFlowObserved",
            interval_s=60,
        ),
        ConnectorSettings(
            name="complaints",
            kind="open311",
            url=f"{sim_url}/open311/v2",
            interval_s=60,
            backfill_days=42,  # six weeks: the complaint forecast learns and tests on them
            updated_after=True,
            extensions=True,
            post_updates="open311",
        ),
        ConnectorSettings(
            name="crews", kind="ngsi-v2", url=sim_url, entity_type="Vehicle", interval_s=30
        ),
    ]
