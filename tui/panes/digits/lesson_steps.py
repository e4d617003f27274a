"""What a lesson step may do on the Digits pane: open a tab, fill in the settings, and name
the parts its "watch for" is about (the charts, the epoch lines, the Shapes columns)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.geometry import Region
from textual.widgets import Input, Log, Select

from tui.panes.digits.settings import DEFAULTS
from tui.panes.digits.shape_table import ShapeTable
from tui.panes.lesson_focus import Target

if TYPE_CHECKING:
    from tui.panes.digits.screen import DigitsScreen

LESSON_KEYS = ("tab", "settings")  # what a lesson step may set here (apply_lesson)
LESSON_TABS = {
    "train": "tab-train",
    "gallery": "tab-gallery",
    "neurons": "tab-neurons",
    "shapes": "tab-shapes",
    "draw": "tab-draw",
}
CHARTS = {"accuracy": ("#acc-label", "#acc-chart"), "cost": ("#loss-label", "#loss-chart")}
FOCI = {
    "settings": "#settings",
    "status": "#full-line",
    "log": "#epoch-log",
    "gallery": "#gallery",
    "draw-bars": "#draw-bars",
    "shapes": "#shapes",
    "shapes-line": "#shapes-status",
    "gradients": "#shapes",
    **{name: label for name, (label, _) in CHARTS.items()},
}


def epoch_lines(log: Log) -> Target:
    """The log's "Epoch 0: 1513 / 2000" lines, as many of the last as its box holds, each
    whole (the whole log while it has none)."""
    lines = [str(line) for line in log.lines]
    rows = [i for i, line in enumerate(lines) if line.startswith("Epoch ")]
    if not rows:
        return Target(log, what="log")
    last = rows[-1]
    first = max(rows[0], last - log.scrollable_content_region.height + 1)
    width = max(cell_len(line) for line in lines[first : last + 1])
    return Target(log, Region(0, first, width, last - first + 1), what="the epoch lines")


def digits_targets(pane: DigitsScreen, name: str) -> list[Target] | None:
    """A chart is its label and its line; the log, its epoch lines; Shapes, every column.
    None: a plain widget of FOCI."""
    if name in CHARTS:
        return [Target(pane.query_one(part), what=f"{name} {part}") for part in CHARTS[name]]
    if name == "log":
        return [epoch_lines(pane.query_one("#epoch-log", Log))]
    if name == "shapes":
        return [pane.query_one(ShapeTable).every_column()]
    if name == "gradients":  # the backward pass's rows, with the weights they correct
        return [pane.query_one(ShapeTable).rows_from("nabla_b3", "w2")]
    return None


def apply_digits_lesson(pane: DigitsScreen, setup: dict) -> None:
    """`tab` (train, gallery, neurons, shapes, draw) and `settings` (the fields on the left:
    sizes, epochs, mini_batch_size, eta, seed, cost, data). Nothing starts: the step tells
    the learner which key to press."""
    setup = pane.lesson_keys(setup, LESSON_KEYS)
    settings = setup.get("settings", {})
    if not isinstance(settings, dict):
        pane.lesson_problem("Lesson settings for Digits must be a table; ignored.")
        settings = {}
    for key, value in settings.items():
        _set(pane, key, value)
    if settings and pane.state in ("running", "paused"):
        pane.notify("A run is in progress: x stops it, then s starts one with these settings.")
    if "tab" in setup:
        tab = LESSON_TABS.get(str(setup["tab"]))
        if tab is None:
            pane.lesson_problem(
                f"Digits has no tab {setup['tab']!r}: choose {', '.join(LESSON_TABS)}."
            )
        else:
            pane.action_show_tab(tab)


def _set(pane: DigitsScreen, key: str, value: object) -> None:
    if key in ("cost", "data"):
        pane.lesson_select(pane.query_one(f"#set-{key}", Select), value, key)
    elif key in DEFAULTS:
        if key == "sizes" and isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        pane.query_one(f"#set-{key}", Input).value = str(value)
    else:
        pane.lesson_problem(
            f"Digits has no setting {key!r} (it has {', '.join([*DEFAULTS, 'cost', 'data'])})."
        )
