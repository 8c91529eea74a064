"""The wall's settings: when a tile turns amber or red, and the scenes the wall shows."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Threshold(BaseModel):
    """When a wall figure turns amber, and when red (value >= the limit)."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error

    amber: float = Field(description="Value at which the tile turns amber.")
    red: float = Field(description="Value at which the tile turns red.")


DEFAULT_THRESHOLDS = {
    "waste_over_95": Threshold(amber=10, red=25),
    "waste_overflowing": Threshold(amber=5, red=20),
    "waste_forecast_6h": Threshold(amber=15, red=40),
    "traffic_index": Threshold(amber=1.25, red=1.5),
    "traffic_incidents": Threshold(amber=1, red=3),
    "complaints_overdue": Threshold(amber=10, red=30),
    "feeds_stale": Threshold(amber=1, red=2),
}


class WallScene(BaseModel):
    """One scene of the wall: which map layers and tiles it shows, and where the map looks."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error

    name: str = Field(description="Scene id, as in /wall?scene=<name>.")
    title: str = Field(description="Title shown on the wall while the scene is on.")
    layers: list[str] = Field(description="Map layers shown: traffic, waste, complaints, zones.")
    tiles: list[str] = Field(
        description="Tiles shown: waste, traffic, complaints, feeds, outcomes."
    )
    bounds: list[float] | None = Field(
        default=None, description="Map view [west, south, east, north]; unset = the whole city."
    )


DEFAULT_SCENES = [
    WallScene(
        name="overview",
        title="City overview",
        layers=["traffic", "waste", "complaints"],
        tiles=["waste", "traffic", "complaints", "feeds"],
    ),
    WallScene(
        name="waste",
        title="Waste",
        layers=["waste", "complaints"],
        tiles=["waste", "complaints", "feeds"],
    ),
    WallScene(name="traffic", title="Traffic", layers=["traffic"], tiles=["traffic", "feeds"]),
    WallScene(
        name="complaints",
        title="Complaints",
        layers=["complaints", "zones"],
        tiles=["complaints", "waste", "feeds"],
    ),
    WallScene(
        name="outcomes",
        title="Outcomes of the week",
        layers=["waste", "zones"],
        tiles=["outcomes", "waste", "complaints"],
    ),
]
