"""How long C3 keeps what it stores (`[retention]` of c3.toml): raw readings, their
rollups, the ingest ledger, the quarantine, report files, ended sign-ins, and a lake's
old snapshots."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The collection profiles are medians of the last four weeks of raw traffic readings
# (store.collection): raw readings are kept at least that long.
PROFILE_DAYS = 28


class RetentionSettings(BaseModel):
    """Days each kind of data is kept; older data goes at the hourly retention pass."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error

    raw_days: int = Field(
        default=35, ge=PROFILE_DAYS,
        description=f"Raw readings, then rolled up into 15-minute means "
        f"(at least {PROFILE_DAYS}: the collection profiles read four weeks).",
    )  # fmt: skip
    rollup_15min_days: int | None = Field(
        default=None, ge=PROFILE_DAYS,
        description="Each feature's 15-minute rollups, then rolled up into hourly ones "
        "(at least `raw_days`). Unset: 90, within `raw_days` and `rollup_days`.",
    )  # fmt: skip
    rollup_hourly_days: int | None = Field(
        default=None, ge=PROFILE_DAYS,
        description="Each feature's hourly rollups, then rolled up into daily ones "
        "(at least `rollup_15min_days`). Unset: 365, within those and `rollup_days`.",
    )  # fmt: skip
    rollup_days: int = Field(
        default=3 * 365, ge=1,
        description="Each feature's daily rollups, each zone's hourly figures (what a "
        "year's KPIs read) and the collections (at least `rollup_hourly_days`, if set).",
    )  # fmt: skip
    ingest_runs_days: int = Field(default=90, ge=1, description="The ingest ledger's runs.")
    quarantine_days: int = Field(
        default=90, ge=1, description="Quarantined records, after they were last seen."
    )
    report_days: int = Field(
        default=365, ge=1, description="Report files (HTML, PDF), by their slot."
    )
    session_days: int = Field(
        default=30, ge=1, description="Sign-ins, after they ended (or began, if never ended)."
    )
    crew_position_days: int = Field(
        default=7, ge=1,
        description="The crews' vehicle positions (where staff were: kept short).",
    )  # fmt: skip
    snapshot_hours: int = Field(
        default=24, ge=1,
        description="ducklake: snapshots older than this are expired by the maintenance "
        "job (and their unneeded files deleted); time travel reaches this far back.",
    )  # fmt: skip

    @model_validator(mode="after")
    def _grains_in_order(self) -> RetentionSettings:
        """Each grain is kept at least as long as the finer one it is rolled up from; a
        grain left unset fits between its neighbours (a config written before the grains
        had their own days keeps working)."""
        explicit = {"rollup_15min_days", "rollup_hourly_days"} & self.model_fields_set
        if self.rollup_15min_days is None:
            self.rollup_15min_days = max(self.raw_days, min(90, self.rollup_days))
        if self.rollup_hourly_days is None:
            self.rollup_hourly_days = max(self.rollup_15min_days, min(365, self.rollup_days))
        if not explicit:
            return self
        days = [("raw_days", self.raw_days), ("rollup_15min_days", self.rollup_15min_days),
                ("rollup_hourly_days", self.rollup_hourly_days),
                ("rollup_days", self.rollup_days)]  # fmt: skip
        for (finer, short), (coarser, long) in zip(days, days[1:], strict=False):
            if long < short:
                raise ValueError(f"{coarser} ({long}) must be at least {finer} ({short})")
        return self
