"""The weekly outcomes (`[outcomes]` of c3.toml, issue 19): the fixed schedule the city
collected by before C3, against which the recommended windows' savings are counted, and
what a truck's kilometre emits."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator


class OutcomeSettings(BaseModel):
    """What the outcomes are measured against."""

    model_config = ConfigDict(extra="forbid")

    fixed_start: str = Field(
        default="08:00", description="The fixed schedule: every zone's daily round starts at "
        "this local time (HH:MM, a quarter hour between 06:00 and 21:45).")  # fmt: skip
    co2_kg_per_km: float = Field(
        default=1.25, ge=0, description="CO2 a refuse truck emits per kilometre, kg (a "
        "diesel rear-loader in city driving: about 1.1-1.4).")  # fmt: skip

    @field_validator("fixed_start")
    @classmethod
    def _a_ranked_start(cls, value: str) -> str:
        match = re.fullmatch(r"(\d\d):(\d\d)", value)
        minutes = int(match[1]) * 60 + int(match[2]) if match else -1
        if not (6 * 60 <= minutes <= 21 * 60 + 45 and minutes % 15 == 0):
            raise ValueError(f"{value!r}: a quarter hour between 06:00 and 21:45, as HH:MM")
        return value
