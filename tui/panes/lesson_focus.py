"""What a lesson step points at, brought into view and checked to be in view.

A step names its focus (`focus = ["query-row", "bars"]` in the lesson file): the parts of the
pane its "watch for" is about. Each pane says where each name is on screen as `Target`s, a
widget and, if only part of it matters, a region of its content (a heatmap's row, a table's
column). `scroll_into_view` scrolls every container around a target until it shows, and
`hidden_part` says what still hides it: outside its scrolling box, under the lesson or the
footer, off the screen's edge, or text cut at the widget's edge.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.errors import NoWidget
from textual.geometry import Offset, Region, Spacing
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable


@dataclass(frozen=True)
class Target:
    """A part of a pane a lesson points at: `widget`, or `region` of its content."""

    widget: Widget
    region: Region | None = None  # in content coordinates (0, 0 = content's top-left)
    what: str = ""


def scroll_into_view(target: Target) -> None:
    """Scroll each container holding the target so that the target shows, innermost first
    (the target widget itself first when it scrolls its own content, as a table does)."""
    widget = target.widget
    if target.region is None:
        widget.screen.scroll_to_widget(widget, animate=False, immediate=True)
        return
    if widget.is_scrollable:  # a table scrolling its own rows: the region first, inside it
        header = widget.header_height if isinstance(widget, DataTable) and widget.show_header else 0
        widget.scroll_to_region(
            target.region, spacing=Spacing(top=header), animate=False, immediate=True, force=True
        )
    gutter = widget.styles.gutter
    region = target.region.translate(
        widget.virtual_region.offset + Offset(gutter.left, gutter.top) - widget.scroll_offset
    )
    while isinstance(widget.parent, Widget) and not isinstance(widget, Screen):
        container = widget.parent
        if widget.styles.dock == "none":
            scrolled = container.scroll_to_region(
                region, animate=False, immediate=True, force=True
            )
            region = region.translate(-scrolled)
        border = container.styles.gutter
        region = region.translate(
            container.virtual_region.offset + Offset(border.left, border.top)
        )
        widget = container


def screen_region(target: Target) -> Region:
    """The target's region on the screen, as laid out now."""
    widget = target.widget
    if target.region is None:
        return widget.region
    return target.region.translate(widget.content_region.offset - widget.scroll_offset)


def hidden_part(screen: Screen, target: Target, covers: list[Widget]) -> str | None:
    """Why the target is not wholly in view (None when it is): `covers` are the widgets that
    may lie over the pane (the lesson, the footer, the header and the pane tabs)."""
    widget = target.widget
    name = target.what or widget.id or type(widget).__name__
    try:
        geometry = screen.find_widget(widget)
    except (NoWidget, KeyError):
        return f"{name} is not on screen (another tab, or hidden)"
    region = screen_region(target)
    if not region:
        return f"{name} is empty"
    if not geometry.visible_region.contains_region(region):
        return f"{name} at {region} is cut off by its box (visible {geometry.visible_region})"
    if not screen.region.contains_region(region):
        return f"{name} at {region} runs off the screen {screen.size}"
    for cover in covers:
        if cover.display and cover.region.overlaps(region):
            return f"{name} at {region} lies under {cover.id or type(cover).__name__}"
    if target.region is None:
        if widget.allow_horizontal_scroll or widget.allow_vertical_scroll:
            if widget.max_scroll_x or widget.max_scroll_y:
                return f"{name} holds more than its box shows"
        elif widget.styles.text_wrap == "nowrap":
            needed = widget.get_content_width(widget.content_region.size, screen.size)
            if needed > widget.content_region.width:
                return f"{name} needs {needed} columns and has {widget.content_region.width}"
    return None
