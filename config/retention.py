"""How long C3 keeps what it stores (`[retention]` of c3.toml): raw readings, their
rollups, the ingest ledger, the quarantine, report files, ended sign-ins, and a lake's
old snapshots."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# The collection profiles are medians of the last four weeks of raw traffic readings
# (store.collection): raw readings are kept at least that long.
PROFILE_DAYS = 28


class RetentionSettings(BaseModel):
    """Days each kind of data is kept; older data goes at the hourly retention pass."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error

    raw_days: int = Field(
        default=35, ge=PROFILE_DAYS,
        description=f"Raw readings, then rolled up into 15-minute and hourly aggregates "
        f"(at least {PROFILE_DAYS}: the collection profiles read four weeks).",
    )  # fmt: skip
    rollup_days: int = Field(
        default=3 * 365, ge=1,
        description="The 15-minute and hourly rollups, and the collections.",
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
    snapshot_hours: int = Field(
        default=24, ge=1,
        description="ducklake: snapshots older than this are expired by the maintenance "
        "job (and their unneeded files deleted); time travel reaches this far back.",
    )  # fmt: skip
