"""The cross-domain signals (`[signals]` of c3.toml): when the domains disagree, or one
explains another, how near, how long and how much it takes (issue 19)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SignalSettings(BaseModel):
    """Thresholds of the four rules that read the domains against each other."""

    model_config = ConfigDict(extra="forbid")

    overflow_codes: list[str] = Field(
        default_factory=lambda: ["WST-OVF"],
        description="Service codes of 'overflowing bin' reports.")  # fmt: skip
    near_bin_m: float = Field(
        default=30, gt=0, description="A report this near a container is about it (metres).")
    under_fill: float = Field(
        default=0.5, gt=0, le=1, description="Sensor disagrees: every container near an "
        "overflow report read under this fill (0-1) at the report's time.")  # fmt: skip
    report_days: float = Field(
        default=7, gt=0, description="How far back reports are read against sensors (days).")
    full_level: float = Field(
        default=0.95, gt=0, le=1, description="Full and not scheduled: the fill (0-1) a "
        "container has read without a break …")  # fmt: skip
    full_hours: float = Field(
        default=24, gt=0, description="… for this many hours, with no collection since, no "
        "collection planned for its zone, and a report near it.")  # fmt: skip
    road_codes: list[str] = Field(
        default_factory=lambda: ["RD-POT"],
        description="Service codes of pothole and road-damage reports.")  # fmt: skip
    near_road_m: float = Field(
        default=25, gt=0, description="A road report this near a segment is about it (metres).")
    road_days: float = Field(
        default=7, gt=0, description="Road problem: reports of the last this many days …")
    road_reports: int = Field(
        default=2, ge=1, description="… at least this many on one segment …")
    speed_drop: float = Field(
        default=0.15, gt=0, lt=1, description="… whose speeds of the last 24 h are this "
        "share below its profile (the same hours of the same kind of day, the 14 days "
        "before).")  # fmt: skip
    stuck_days: float = Field(
        default=2, gt=0, description="Stuck: a sensor that sent one value this many days "
        "(the scale's ends excepted: a full bin may read 100 % for long).")  # fmt: skip
    open_orders: bool = Field(
        default=True, description="Open a work order for each signal that rests on "
        "residents' reports, covering them, its evidence as the first note.")  # fmt: skip
