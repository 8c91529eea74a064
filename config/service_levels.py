"""Service levels of the complaint loop (`[service_levels]` of c3.toml): the hours each
service type has to be resolved in, counted in calendar hours or in the city's working
hours (its days, hours and holidays), and when two requests may be the same problem
(how near, how close in time, which types are related)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.collection import HHMM

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WorkingHours(BaseModel):
    """The city's working time: the clock a working-hours service level runs on."""

    model_config = ConfigDict(extra="forbid")

    days: list[str] = Field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"],
        description="Working days: mon … sun.",
    )
    start: str = Field(default="08:00", pattern=HHMM, description="Local time work starts.")
    end: str = Field(default="16:00", pattern=HHMM, description="Local time work ends.")

    @model_validator(mode="after")
    def _a_working_day(self) -> WorkingHours:
        unknown = [d for d in self.days if d not in WEEKDAYS]
        if unknown:
            raise ValueError(f"working days {unknown}: use {', '.join(WEEKDAYS)}")
        if not self.days:
            raise ValueError("working hours need at least one working day")
        if self.end <= self.start:
            raise ValueError(f"working hours end ({self.end}) before they start ({self.start})")
        return self


class ServiceLevel(BaseModel):
    """One service type's level and its duplicate rule."""

    model_config = ConfigDict(extra="forbid")

    target_hours: float = Field(gt=0, description="Hours from the request to its fix.")
    working_hours: bool = Field(
        default=False,
        description="Count only the city's working hours (false: every hour of the clock).",
    )
    duplicate_distance_m: float | None = Field(
        default=None, gt=0, description="Requests this near may be one problem; unset = "
        "`[service_levels] duplicate_distance_m`.",
    )  # fmt: skip
    duplicate_hours: float | None = Field(
        default=None, gt=0, description="…and this close in time; unset = "
        "`[service_levels] duplicate_hours`.",
    )  # fmt: skip
    related: list[str] = Field(
        default_factory=list,
        description="Other service codes a request of this type may duplicate.",
    )


class ServiceLevelSettings(BaseModel):
    """Service levels per service type, the city's working time, and the duplicate rules."""

    model_config = ConfigDict(extra="forbid")

    default_target_hours: float = Field(
        default=72, gt=0, description="Hours to resolve a type with no level of its own."
    )
    types: dict[str, ServiceLevel] = Field(
        default_factory=dict,
        description="Service code -> its level, e.g. {'TRF-SIG' = {target_hours = 6, "
        "duplicate_distance_m = 46, duplicate_hours = 3}}.",
    )
    working_hours: WorkingHours = Field(
        default_factory=WorkingHours, description="The city's working days and hours."
    )
    holidays: list[date] = Field(
        default_factory=list, description="Days that are not working days (YYYY-MM-DD)."
    )
    duplicate_distance_m: float = Field(
        default=50, gt=0, description="Requests this near may be one problem, metres."
    )
    duplicate_hours: float = Field(
        default=72, gt=0, description="…and this close in time, hours."
    )

    def level(self, service_code: str | None) -> ServiceLevel:
        """The level of a service type (the default target for a type without one)."""
        found = self.types.get(service_code or "")
        return found or ServiceLevel(target_hours=self.default_target_hours)

    def targets_h(self) -> dict[str, float]:
        return {code: level.target_hours for code, level in self.types.items()}
