"""The city's field crews (`[[crews]]` of c3.toml): who they are, which service types
they fix, when they work, and where they start from until their vehicle's position
arrives through a feed (NGSI `Vehicle` entities, or a GPS file)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from config.collection import HHMM


class Crew(BaseModel):
    """One crew (a vehicle and its people)."""

    model_config = ConfigDict(extra="forbid")

    crew_id: str = Field(description="The crew's id; a feed's Vehicle id or vehicle column.")
    name: str = Field(description="Shown on /complaints and on the crew's phone.")
    skills: list[str] = Field(
        default_factory=list, description="Service codes it fixes; empty = every type."
    )
    members: list[str] = Field(
        default_factory=list,
        description="Accounts (local names or the provider's) that sign in as this crew.",
    )
    shift_start: str = Field(default="07:00", pattern=HHMM, description="Local shift start.")
    shift_end: str = Field(default="19:00", pattern=HHMM, description="Local shift end "
                           "(earlier than the start: the shift runs past midnight; equal to "
                           "it: around the clock).")  # fmt: skip
    base: list[float] | None = Field(
        default=None, min_length=2, max_length=2,
        description="[lon, lat] the crew starts from while no position has arrived.",
    )  # fmt: skip

    def fixes(self, service_code: str | None) -> bool:
        return not self.skills or service_code in self.skills

    def on_shift(self, local_minute: int) -> bool:
        start = int(self.shift_start[:2]) * 60 + int(self.shift_start[3:])
        end = int(self.shift_end[:2]) * 60 + int(self.shift_end[3:])
        if start == end:
            return True
        if start < end:
            return start <= local_minute < end
        return local_minute >= start or local_minute < end


class DispatchSettings(BaseModel):
    """How crews are ranked for a work order and when orders are assigned by themselves."""

    model_config = ConfigDict(extra="forbid")

    job_minutes: float = Field(
        default=30, gt=0, description="Minutes a job in a crew's queue is expected to take."
    )
    auto_assign: list[str] = Field(
        default_factory=list,
        description="Service codes whose new orders go to the best-ranked crew by themselves.",
    )
    position_stale_minutes: float = Field(
        default=30, gt=0,
        description="A crew position older than this is shown as old (the crew still ranks).",
    )  # fmt: skip


def demo_crews() -> list[Crew]:
    """The demo city's crews: the simulator drives them along its roads. They work around
    the clock, so the complaint loop can be shown whatever the hour."""
    always = {"shift_start": "00:00", "shift_end": "00:00"}
    return [
        Crew(crew_id="crew-waste-1", name="Waste crew 1", skills=["WST-OVF", "WST-DMP"], **always),
        Crew(crew_id="crew-waste-2", name="Waste crew 2", skills=["WST-OVF", "WST-DMP"], **always),
        Crew(crew_id="crew-streets-1", name="Streets crew 1",
             skills=["RD-POT", "STL-OUT", "GRF"], **always),  # fmt: skip
        Crew(crew_id="crew-traffic-1", name="Traffic crew 1", skills=["TRF-SIG", "ABV"], **always),
    ]
