"""Collection windows and routes (`[collection]` of c3.toml), and its quiet hours."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class QuietHours(BaseModel):
    """Hours in which some zones must not be collected (e.g. night noise in housing)."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error

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

    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error

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
