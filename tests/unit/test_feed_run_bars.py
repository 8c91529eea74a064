"""The runs chart on /feeds: every run is drawn inside its box, the newest too."""

from components.feeds_table import BARS_W, run_bars


def test_a_run_that_finished_just_now_is_inside_the_box():
    bars = run_bars([(0.0, 5.0), (0.5, None), (1.0, 10.0)], "runs").children
    right_edges = [float(b.x) + float(b.width) for b in bars]
    assert all(0 <= edge <= BARS_W for edge in right_edges)
    assert [b.className for b in bars] == ["c3-bar", "c3-bar-failed", "c3-bar"]
    assert float(bars[2].height) > float(bars[0].height)  # the taller run fetched more
