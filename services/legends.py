"""The colour scales the maps share (data only, no Dash): container fill and road congestion,
each as legend rows (colour, label) and as class limits (lowest value of a class, colour).

The screens' legends (components/map_shell.py) and the report's map picture
(services/reports/pictures.py) read them from here; assets/map.js styles the live map
with the same limits and colours.
"""

from __future__ import annotations

NO_READING = "#8a8f98"  # a feature without a value

FILL_LEGEND = (
    ("#2e7d32", "< 50 %"),
    ("#f9a825", "50–80 %"),
    ("#ef6c00", "80–95 %"),
    ("#b71c1c", "≥ 95 %"),
    (NO_READING, "no reading"),
)
CONGESTION_LEGEND = (
    ("#2f9e44", "free flow (< 1.25×)"),
    ("#f59f00", "slow (1.25–1.8×)"),
    ("#d32f2f", "congested (1.8–3×)"),
    ("#6a1b1a", "stopped (≥ 3×)"),
    (NO_READING, "no reading"),
)

# (lowest value of the class, its colour), highest class first: a value takes the first
# class it reaches. Fill is a share (0-1); congestion is travel time ÷ free-flow time.
FILL_LIMITS = [(0.95, FILL_LEGEND[3][0]), (0.8, FILL_LEGEND[2][0]), (0.5, FILL_LEGEND[1][0]),
               (0.0, FILL_LEGEND[0][0])]  # fmt: skip
RATIO_LIMITS = [(3.0, CONGESTION_LEGEND[3][0]), (1.8, CONGESTION_LEGEND[2][0]),
                (1.25, CONGESTION_LEGEND[1][0]), (0.0, CONGESTION_LEGEND[0][0])]  # fmt: skip
