"""What C3 gives back (`[open_data]` of c3.toml, issue 20): the licence its open data is
published under, whose request ids are published as they are, how often one address may
ask the public endpoints, and the public city pulse (off unless a city turns it
on) with the sites that may embed it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from config.web import FrameOrigin


class OpenDataSettings(BaseModel):
    """The open data's licence, the status page's rate limit and the public pulse."""

    model_config = ConfigDict(extra="forbid")

    licence: str = Field(
        default="CC BY 4.0", description="The licence of C3's open data, named in the "
        "OpenAPI document and in every open-data file and response (a licence line), e.g. "
        "'CC BY 4.0' or 'ODbL 1.0'.")  # fmt: skip
    licence_url: str = Field(
        default="https://creativecommons.org/licenses/by/4.0/",
        description="Where the licence's text is: the `license` link of every response.")
    attribution: str = Field(
        default="", description="Who to credit, e.g. 'City of Cascais'; empty = the city name.")
    primary_source: str | None = Field(
        default=None, description="The connector whose requests keep their own ids in the "
        "Open311 server and on /status (others are published as <source>:<id>); unset = "
        "the first complaints connector. Set it once residents have links.")  # fmt: skip
    public_per_minute: int = Field(
        default=60, ge=1, description="Requests one address may send a minute to the public "
        "endpoints together (/status, the Open311 server, open data, NGSI-LD); more get 429 "
        "with Retry-After (counted in Redis when redis_url is set, else per worker).")  # fmt: skip
    pulse: bool = Field(
        default=False, description="Serve the public city pulse at /pulse (no sign-in): "
        "today's traffic, full containers and complaints by area, no personal data.")  # fmt: skip
    pulse_frame_origins: list[FrameOrigin] = Field(
        default_factory=list, description="Origins whose pages may embed /pulse in a frame "
        "(https://www.city.example); empty = any site may: it is a widget to embed.")  # fmt: skip
