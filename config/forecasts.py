"""The forecasts (`[forecasts]` of c3.toml): how much history they learn from, how much
of it their backtest holds out, and what the wall shows of them (issue 19)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ForecastSettings(BaseModel):
    """Congestion per segment for the next hours (the profile plus today's deviation), and
    complaint volume per zone and type for the next 24 h and 7 days."""

    model_config = ConfigDict(extra="forbid")

    history_days: int = Field(
        default=14, ge=9, le=60, description="Days of hourly congestion the profile and the "
        "deviation's decay are learnt from (more than a week: the seasonal-naive baseline "
        "is the same hour a week before).")  # fmt: skip
    backtest_days: int = Field(
        default=3, ge=1, le=14, description="The last days of that history held out: each "
        "hour of them a forecast origin, its error shown beside the forecast.")  # fmt: skip
    wall_ahead_h: int = Field(
        default=1, ge=1, le=6, description="The wall's traffic tile shows, beside each of "
        "the slowest streets now, its forecast this many hours ahead.")  # fmt: skip
    wall_streets: int = Field(
        default=3, ge=1, le=5, description="How many of the slowest streets the tile lists.")
    @model_validator(mode="after")
    def _history_holds_the_backtest(self) -> ForecastSettings:
        if self.history_days < 8 + self.backtest_days:
            raise ValueError(
                f"history_days ({self.history_days}) must be at least 8 + backtest_days "
                f"({self.backtest_days}): the held-out days need a week and a day before them")
        return self

    complaint_days: int = Field(
        default=42, ge=21, le=365, description="Days of requests the complaint forecast "
        "learns from (three weeks at least; five and more for its backtest, which holds "
        "out the last two).")  # fmt: skip
    inspect_days: float = Field(
        default=3, gt=0, le=14, description="Where to look first: the risk that residents "
        "report a problem at a container or on a road in the next this many days …")  # fmt: skip
    inspect_waste_codes: list[str] = Field(
        default_factory=lambda: ["WST-OVF", "WST-DMP"],
        description="… a problem at a container: a report of these codes near it "
        "(`[signals]` near_bin_m) …")  # fmt: skip
    inspect_road_codes: list[str] = Field(
        default_factory=lambda: ["RD-POT"],
        description="… on a road: a report of these codes near it (near_road_m).")
    inspect_top: int = Field(
        default=20, ge=1, le=200, description="How many places the ranking lists, and its "
        "backtest inspects against as many at random.")  # fmt: skip
