"""Lines of one colour per terminal cell, as the Heatmap and the digit pad draw them.

A frame must cost milliseconds, so a line is one Segment per run of equal cells and cells of
the same colour pair share one Style from a cache keyed on packed 0xRRGGBB codes.
"""

from __future__ import annotations

import numpy as np
from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual.app import App
from textual.strip import Strip

UPPER_HALF = "▀"
SHADES = " ░▒▓█"
"""Glyphs from empty to full, for when colours are stripped."""

PLAIN = Style()
"""Unstyled text: Textual's colour filters (NO_COLOR) need a Style on every segment, not None."""
BOLD = Style(bold=True)
"""Titles and labels."""
NO_COLOR = -1
"""A code meaning 'leave this side to the widget's background'."""

_STYLES: dict[int, Style] = {}
_COLORS: dict[int, RichColor | None] = {NO_COLOR: None}


def _rich_color(code: int) -> RichColor | None:
    if code not in _COLORS:
        _COLORS[code] = RichColor.from_rgb(code >> 16, (code >> 8) & 0xFF, code & 0xFF)
    return _COLORS[code]


def style_for(fg: int, bg: int) -> Style:
    """A shared Style for a packed (fg, bg) pair: a frame reuses a few hundred of them."""
    key = ((fg + 1) << 25) | (bg + 1)
    style = _STYLES.get(key)
    if style is None:
        if len(_STYLES) > 200_000:
            _STYLES.clear()
        style = _STYLES[key] = Style.from_color(_rich_color(fg), _rich_color(bg))
    return style


def clear_style_cache() -> None:
    """Forget shared styles and colours (for benchmarks that want a truly cold start)."""
    _STYLES.clear()
    _COLORS.clear()
    _COLORS[NO_COLOR] = None


def runs_strip(fg: list[int], bg: list[int], glyphs: list[str], cell_width: int) -> Strip:
    """One Segment per run of equal (fg, bg, glyph) cells, each cell `cell_width` wide."""
    segments: list[Segment] = []
    append = segments.append
    n = len(fg)
    i = 0
    while i < n:
        f, b, g = fg[i], bg[i], glyphs[i]
        j = i + 1
        while j < n and fg[j] == f and bg[j] == b and glyphs[j] == g:
            j += 1
        append(Segment(g * (cell_width * (j - i)), style_for(f, b)))
        i = j
    return Strip(segments, n * cell_width)


def half_block_strip(upper: list[int], lower: list[int] | None, cell_width: int = 1) -> Strip:
    """Two matrix rows in one line: '▀' in the upper row's colour on the lower row's."""
    bg = lower if lower is not None else [NO_COLOR] * len(upper)
    return runs_strip(upper, bg, [UPPER_HALF] * len(upper), cell_width)


def shade_levels(t: np.ndarray) -> np.ndarray:
    """Indices into SHADES of values in [0, 1]."""
    return np.minimum((t * len(SHADES)).astype(np.intp), len(SHADES) - 1)


def shade_strip(fg: list[int], glyphs: list[str], cell_width: int = 1) -> Strip:
    """Glyphs in their own colours on the widget's background: a line with colours stripped."""
    return runs_strip(fg, [NO_COLOR] * len(fg), glyphs, cell_width)


def colours_stripped(app: App[object]) -> bool:
    """True when NO_COLOR removes every colour (ANSI themes), so only glyphs are left.

    With other themes Textual turns colours to greys, which half blocks still show in full.
    """
    return bool(app.no_color and app.native_ansi_color)
