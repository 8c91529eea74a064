"""The wall's slowest streets with their forecast (components.wall_tiles.streets_table):
the hour in city time, the forecast beside now, the error beside last week's."""

from datetime import UTC, datetime

from components.wall_tiles import streets_table
from services.forecasts import CongestionOutlook


def texts(component) -> list[str]:
    """Every string in a component tree, depth first."""
    children = getattr(component, "children", component)
    if isinstance(children, str):
        return [children]
    if isinstance(children, list | tuple):
        return [t for c in children for t in texts(c)]
    return texts(children) if children is not None and children is not component else []


def test_each_street_has_its_forecast_for_the_coming_hour_and_the_error_is_shown():
    outlook = CongestionOutlook(
        at=datetime(2026, 12, 3, 8, 0, tzinfo=UTC), ahead_h=1,
        forecast={"Mannerheimintie": (1.62, 1.30), "Alvar Aallon katu": (2.40, 1.10)},
        error=0.021, naive_error=0.026, pairs=3600, days=3,
    )  # fmt: skip
    table, note = streets_table([("Alvar Aallon katu", 2.1), ("Mannerheimintie", 1.7),
                                 ("Kaivokatu", 1.4)], outlook, "Europe/Helsinki")  # fmt: skip
    words = texts(table)
    assert "10–11 h" in words  # 08:00 UTC is 10:00 in Helsinki
    row = words.index("Alvar Aallon katu")
    assert words[row:row + 3] == ["Alvar Aallon katu", "× 2.10", "× 2.40"]
    cells = table.children.children[1].children  # the body's rows
    assert cells[0].children[2].className == "c3-rising"  # a tenth and more above now
    assert cells[1].children[2].className == ""  # Mannerheimintie: 1.62 against 1.7
    row = words.index("Kaivokatu")
    assert words[row:row + 3] == ["Kaivokatu", "× 1.40", "—"]  # no forecast for it
    assert note.children == "10–11 h forecast ± 0.02 (same hour last week ± 0.03)"
    assert "3600 forecasts of the last 3 days" in note.title


def test_without_history_the_note_says_why_and_no_street_has_a_forecast():
    table, note = streets_table([("Kaivokatu", 1.4)], None, "Europe/Helsinki")
    assert texts(table)[-1] == "—"
    assert note.children.startswith("no forecast")
