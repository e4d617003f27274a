"""A matrix drawn as coloured terminal cells: digits, weights, attention.

Built on Textual's Line API because a 64x64 frame must cost milliseconds, not the 33-48 ms
a rich Text took: colours for the whole matrix come from one vectorised numpy pass, styles are
shared between cells of the same colour pair, and each line's Strip is cached until the data or
the width changes.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
from rich.cells import cell_len
from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import App
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

LUT_SIZE = 256
"""Colour levels per colormap; index LUT_SIZE is the 'hidden' colour."""

UPPER_HALF = "▀"
SHADES = " ░▒▓█"
RAMP = "▁▂▃▄▅▆▇█"
HIDDEN_GLYPH = "·"
LABEL_MAX = 8

_ANCHORS: dict[str, list[tuple[int, int, int]]] = {
    # matplotlib's viridis sampled at ten evenly spaced points
    "viridis": [
        (68, 1, 84),
        (72, 40, 120),
        (62, 74, 137),
        (49, 104, 142),
        (38, 130, 142),
        (31, 158, 137),
        (53, 183, 121),
        (109, 205, 89),
        (180, 222, 44),
        (253, 231, 37),
    ],
    "gray": [(0, 0, 0), (255, 255, 255)],
    # ColorBrewer RdBu, reversed so that negative is blue
    "diverging": [
        (33, 102, 172),
        (103, 169, 207),
        (209, 229, 240),
        (247, 247, 247),
        (253, 219, 199),
        (239, 138, 98),
        (178, 24, 43),
    ],
}
# A colour no map produces: grey where the map has none, dark blue for the grey map.
_HIDDEN: dict[str, tuple[int, int, int]] = {
    "viridis": (48, 48, 48),
    "gray": (30, 45, 100),
    "diverging": (48, 48, 48),
}
_HIDDEN_FG_CODE = 0xA0A0A0  # the light grey of the marker drawn on hidden cells

COLORMAPS = tuple(_ANCHORS)


def colormap_lut(colormap: str) -> np.ndarray:
    """(LUT_SIZE + 1, 3) uint8 colours: the ramp interpolated from anchors, then 'hidden'."""
    if colormap not in _ANCHORS:
        raise ValueError(f"unknown colormap {colormap!r}; choose from {', '.join(COLORMAPS)}")
    anchors = np.asarray(_ANCHORS[colormap], dtype=np.float64)
    where = np.linspace(0.0, 1.0, len(anchors))
    t = np.linspace(0.0, 1.0, LUT_SIZE)
    ramp = np.stack([np.interp(t, where, anchors[:, k]) for k in range(3)], axis=1)
    lut = np.vstack([np.rint(ramp), np.asarray(_HIDDEN[colormap], dtype=np.float64)])
    return lut.astype(np.uint8)


def pack_rgb(rgb: np.ndarray) -> np.ndarray:
    """uint8 (..., 3) colours as int64 0xRRGGBB codes, the keys of the style cache."""
    rgb = rgb.astype(np.int64)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


_LUT_CODES: dict[str, list[int]] = {}


def lut_codes(colormap: str) -> list[int]:
    """The colormap's LUT as packed codes, computed once per colormap."""
    if colormap not in _LUT_CODES:
        _LUT_CODES[colormap] = pack_rgb(colormap_lut(colormap)).tolist()
    return _LUT_CODES[colormap]


def value_range(
    values: np.ndarray, colormap: str, vmin: float | None, vmax: float | None
) -> tuple[float, float]:
    """The [lo, hi] the colours span: finite min/max, symmetric for 'diverging', never empty.

    A constant matrix gets a range stretched to include 0 (so an all-zero digit stays black)
    and, if still empty, to one unit wide.
    """
    finite = values[np.isfinite(values)]
    if colormap == "diverging" and vmin is None and vmax is None:
        m = float(np.abs(finite).max()) if finite.size else 0.0
        return (-m, m) if m > 0 else (-1.0, 1.0)
    lo = float(vmin) if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    hi = float(vmax) if vmax is not None else (float(finite.max()) if finite.size else 1.0)
    if hi <= lo:
        lo, hi = min(lo, hi, 0.0), max(lo, hi, 0.0)
        if hi <= lo:
            hi = lo + 1.0
    return lo, hi


def normalise(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Values mapped linearly onto [0, 1], clipped; non-finite ones become 0 (callers hide them)."""
    safe = np.where(np.isfinite(values), values, lo)
    return np.clip((safe - lo) / (hi - lo), 0.0, 1.0)


def hidden_cells(values: np.ndarray, masked: np.ndarray | None) -> np.ndarray:
    """Cells drawn as 'hidden': NaN, -inf (an attention mask) and those marked in `masked`."""
    hidden = np.isnan(values) | np.isneginf(values)
    if masked is not None:
        hidden = hidden | np.broadcast_to(np.asarray(masked, dtype=bool), values.shape)
    return hidden


def _lut_index(t: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    index = np.rint(t * (LUT_SIZE - 1)).astype(np.intp)
    index[hidden] = LUT_SIZE
    return index


PLAIN = Style()
"""Unstyled text: Textual's colour filters (NO_COLOR) need a Style on every segment, not None."""
_STYLES: dict[int, Style] = {}
NO_COLOR = -1
"""A code meaning 'leave this side to the widget's background'."""


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


def colours_stripped(app: App[object]) -> bool:
    """True when NO_COLOR removes every colour (ANSI themes), so only glyphs are left.

    With other themes Textual turns colours to greys, which half blocks still show in full.
    """
    return bool(app.no_color and app.native_ansi_color)


_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def label_text(token: object) -> str:
    """A token as a label of at most LABEL_MAX one-column characters.

    Newlines and tabs are escaped and a blank token shows as '␣', so a token never breaks the
    line or vanishes; characters of another width become '?' so columns stay aligned.
    """
    text = "".join(_ESCAPES.get(ch, ch) for ch in str(token))
    if not text.strip():
        text = "␣" * max(len(text), 1)
    return "".join(ch if ch.isprintable() and cell_len(ch) == 1 else "?" for ch in text)[:LABEL_MAX]


def format_value(value: float) -> str:
    """Short range labels: 0.00, -1.25, 3.1e+03."""
    if value == 0 or 0.01 <= abs(value) < 1000:
        return f"{value:.2f}"
    return f"{value:.2g}"


def _rows(matrix: np.ndarray) -> int:
    shape = np.shape(matrix)
    return 1 if len(shape) == 1 else shape[0]


def _cols(matrix: np.ndarray) -> int:
    return np.shape(matrix)[-1]


class Heatmap(Widget):
    """A 2-D array as colours: two rows per line in half blocks, or one row per line with labels."""

    DEFAULT_CSS = """
    Heatmap {
        width: auto;
        height: auto;
    }
    """

    class CellClicked(Message):
        """The user clicked matrix cell (row, col)."""

        def __init__(self, row: int, col: int, heatmap: Heatmap | None = None) -> None:
            super().__init__()
            self.row = row
            self.col = col
            self.heatmap = heatmap

        @property
        def control(self) -> Heatmap | None:
            return self.heatmap

    def __init__(
        self,
        matrix: np.ndarray | None = None,
        *,
        colormap: str = "viridis",
        vmin: float | None = None,
        vmax: float | None = None,
        row_labels: list[str] | None = None,
        col_labels: list[str] | None = None,
        legend: bool = True,
        cell_width: int = 1,
        title: str = "",
        masked: np.ndarray | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        colormap_lut(colormap)  # fail early on an unknown name
        if cell_width < 1:
            raise ValueError("cell_width must be at least 1")
        self.colormap = colormap
        self.legend = legend
        self.cell_width = cell_width
        self.title = title
        self.vmin = vmin
        self.vmax = vmax
        self._row_labels: list[str] | None = None
        self._col_labels: list[str] | None = None
        self._strips: dict[tuple[int, int], Strip] = {}
        self._matrix: np.ndarray | None = None
        self._set_data(matrix, vmin, vmax, row_labels, col_labels, masked)

    # -- data ---------------------------------------------------------------------------------

    @property
    def matrix(self) -> np.ndarray | None:
        """The values shown (float64 copy)."""
        return self._matrix

    @property
    def value_range(self) -> tuple[float, float]:
        """The (lo, hi) mapped to the two ends of the colormap."""
        return self._lo, self._hi

    @property
    def colors(self) -> np.ndarray:
        """RGB uint8 (rows, cols, 3) of every cell as drawn, hidden cells included."""
        codes = self._codes
        return np.stack([(codes >> 16) & 0xFF, (codes >> 8) & 0xFF, codes & 0xFF], -1).astype(
            np.uint8
        )

    @property
    def hidden_color(self) -> tuple[int, int, int]:
        """The colour of NaN, -inf and masked cells for this colormap."""
        return _HIDDEN[self.colormap]

    @property
    def labelled(self) -> bool:
        """One matrix row per line with a label gutter/header, instead of half blocks."""
        return self._row_labels is not None or self._col_labels is not None

    def update_matrix(
        self,
        matrix: np.ndarray | None,
        *,
        vmin: float | None = None,
        vmax: float | None = None,
        row_labels: list[str] | None = None,
        col_labels: list[str] | None = None,
        masked: np.ndarray | None = None,
    ) -> None:
        """Show new data and redraw.

        vmin/vmax default to those given to the constructor, then to the data's finite min/max.
        Labels left out keep the current ones if they still fit the new shape; [] removes them.
        """
        if row_labels is None and self._row_labels is not None and matrix is not None:
            row_labels = self._row_labels if len(self._row_labels) == _rows(matrix) else None
        if col_labels is None and self._col_labels is not None and matrix is not None:
            col_labels = self._col_labels if len(self._col_labels) == _cols(matrix) else None
        self._set_data(matrix, vmin, vmax, row_labels, col_labels, masked)
        self.refresh(layout=True)

    def _set_data(
        self,
        matrix: np.ndarray | None,
        vmin: float | None,
        vmax: float | None,
        row_labels: list[str] | None,
        col_labels: list[str] | None,
        masked: np.ndarray | None,
    ) -> None:
        values = np.zeros((0, 0)) if matrix is None else np.array(matrix, dtype=np.float64)
        if values.ndim == 1:
            values = values[None, :]
        if values.ndim != 2:
            raise ValueError(f"Heatmap needs a 2-D matrix, got shape {values.shape}")
        rows, cols = values.shape
        for labels, n, what in ((row_labels, rows, "row"), (col_labels, cols, "col")):
            if labels and len(labels) != n:
                raise ValueError(f"{len(labels)} {what} labels for {n} {what}s")
        self._matrix = None if matrix is None else values
        self._row_labels = [label_text(s) for s in row_labels] if row_labels else None
        self._col_labels = [label_text(s) for s in col_labels] if col_labels else None
        hidden = hidden_cells(values, masked)
        vmin = self.vmin if vmin is None else vmin
        vmax = self.vmax if vmax is None else vmax
        self._lo, self._hi = value_range(values[~hidden], self.colormap, vmin, vmax)
        t = normalise(values, self._lo, self._hi)
        index = _lut_index(t, hidden)
        self._codes = np.asarray(lut_codes(self.colormap), dtype=np.int64)[index]
        shade = np.minimum((t * len(SHADES)).astype(np.intp), len(SHADES) - 1)
        glyphs = np.asarray(list(SHADES))[shade]
        glyphs[hidden] = HIDDEN_GLYPH
        self._rows = self._codes.tolist()
        self._glyphs = glyphs.tolist()
        self._shade = shade
        self._strips.clear()

    # -- geometry -----------------------------------------------------------------------------

    @property
    def _shape(self) -> tuple[int, int]:
        return self._codes.shape if self._matrix is not None else (0, 0)

    @property
    def _gutter(self) -> int:
        if not self._row_labels:
            return 0
        return max(len(s) for s in self._row_labels) + 1

    @property
    def _header_height(self) -> int:
        if not self._col_labels:
            return 0
        longest = max(len(s) for s in self._col_labels)
        return 1 if longest <= self.cell_width else longest

    @property
    def _grid_size(self) -> Size:
        rows, cols = self._shape
        if self.labelled:
            return Size(self._gutter + cols * self.cell_width, self._header_height + rows)
        return Size(cols * self.cell_width, math.ceil(rows / 2))

    def _legend_text(self, width: int | None = None) -> tuple[str, str, str]:
        """(title, low, high) of the legend line, the title dropped if it does not fit."""
        low, high = format_value(self._lo), format_value(self._hi)
        title = self.title
        if title and width is not None and len(title) + 1 + self._legend_core_width() > width:
            title = ""
        return title, low, high

    def _legend_core_width(self) -> int:
        return len(format_value(self._lo)) + len(RAMP) + len(format_value(self._hi)) + 2

    def _title_lines(self, width: int) -> list[str]:
        """The title on lines of its own above the scale, when it does not fit beside it (so
        a long title never makes the widget wider than its grid)."""
        if not self.title or len(self.title) + 1 + self._legend_core_width() <= width:
            return []
        return textwrap.wrap(self.title, max(width, 1))

    def _has_legend(self) -> bool:
        return self.legend and self._matrix is not None

    def get_content_width(self, container: Size, viewport: Size) -> int:
        width = self._grid_size.width
        return max(width, self._legend_core_width()) if self._has_legend() else width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if not self._has_legend():
            return self._grid_size.height
        return self._grid_size.height + len(self._title_lines(width)) + 1

    def cell_at(self, x: int, y: int) -> tuple[int, int] | None:
        """The matrix (row, col) under content offset (x, y), or None off the grid.

        In half-block mode a line holds rows 2y and 2y+1; the terminal cannot tell which half
        was hit, so the upper row is returned.
        """
        rows, cols = self._shape
        if self.labelled:
            x, y = x - self._gutter, y - self._header_height
            row = y
        else:
            row = 2 * y
        if x < 0 or y < 0:
            return None
        col = x // self.cell_width
        if row >= rows or col >= cols:
            return None
        return row, col

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        cell = self.cell_at(offset.x, offset.y)
        if cell is not None:
            self.post_message(self.CellClicked(cell[0], cell[1], heatmap=self))

    # -- rendering ----------------------------------------------------------------------------

    def _colourless(self) -> bool:
        try:
            return colours_stripped(self.app)
        except Exception:  # not mounted (benchmarks)
            return False

    def render_line(self, y: int) -> Strip:
        return self.line_strip(y, self.size.width)

    def line_strip(self, y: int, width: int) -> Strip:
        """Line y of the content at the given width, from the cache when the data is unchanged."""
        key = (y, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._build_line(y, width).adjust_cell_length(width, PLAIN)
        return strip

    def render_all(self, width: int | None = None) -> list[Strip]:
        """Every content line, e.g. to time a frame without an app."""
        if width is None:
            width = self.get_content_width(Size(0, 0), Size(0, 0))
        height = self.get_content_height(Size(width, 0), Size(width, 0), width)
        return [self.line_strip(y, width) for y in range(height)]

    def _build_line(self, y: int, width: int) -> Strip:
        grid = self._grid_size
        if y >= grid.height:
            titles = self._title_lines(width) if self._has_legend() else []
            below = y - grid.height
            if below < len(titles):
                return Strip([Segment(titles[below], Style(bold=True))])
            if below == len(titles) and self._has_legend():
                return self._legend_strip(width)
            return Strip.blank(width, PLAIN)
        if self.labelled:
            return self._label_line(y)
        return self._half_line(y)

    def _half_line(self, y: int) -> Strip:
        rows = self._rows
        upper = rows[2 * y]
        lower = rows[2 * y + 1] if 2 * y + 1 < len(rows) else None
        if not self._colourless():
            return half_block_strip(upper, lower, self.cell_width)
        # Colours stripped: a shade glyph per cell, from the brighter of its two rows.
        shade = self._shade[2 * y : 2 * y + 2].max(axis=0)
        glyphs = [SHADES[s] for s in shade.tolist()]
        return runs_strip(upper, [NO_COLOR] * len(upper), glyphs, self.cell_width)

    def _label_line(self, y: int) -> Strip:
        header = self._header_height
        gutter = Strip([Segment(" " * self._gutter, PLAIN)], self._gutter) if self._gutter else None
        if y < header:
            return Strip.join([gutter, self._header_line(y)])
        row = y - header
        strips = [gutter] if gutter else []
        if self._row_labels:
            label = self._row_labels[row].rjust(self._gutter - 1) + " "
            strips = [Strip([Segment(label, PLAIN)], self._gutter)]
        codes = self._rows[row]
        glyphs = self._glyphs[row]
        # Shade glyph in the cell's own colour: solid with colour, still readable without.
        fg = [_HIDDEN_FG_CODE if g == HIDDEN_GLYPH else c for c, g in zip(codes, glyphs)]
        strips.append(self._label_cells(fg, codes, glyphs))
        return Strip.join(strips)

    def _label_cells(self, fg: list[int], bg: list[int], glyphs: list[str]) -> Strip:
        width = self.cell_width
        if width == 1:
            return runs_strip(fg, bg, glyphs, 1)
        segments = []
        pad = (width - 1) // 2
        for f, b, g in zip(fg, bg, glyphs):
            style = style_for(f, b)
            if g == HIDDEN_GLYPH:
                text = " " * pad + g + " " * (width - pad - 1)
            else:
                text = g * width
            segments.append(Segment(text, style))
        return Strip(segments, width * len(fg)).simplify()

    def _header_line(self, y: int) -> Strip:
        labels = self._col_labels or []
        width = self.cell_width
        if self._header_height == 1:
            text = "".join(label.center(width) for label in labels)
        else:  # vertical: one letter per line, in the cell's middle column
            pad = (width - 1) // 2
            text = "".join((" " * pad + (s[y] if y < len(s) else " ")).ljust(width) for s in labels)
        return Strip([Segment(text, Style(bold=True))], len(text))

    def _legend_strip(self, width: int) -> Strip:
        title, low, high = self._legend_text(width)
        codes = lut_codes(self.colormap)
        steps = len(RAMP) - 1
        segments = []
        if title:
            segments.append(Segment(title + " ", Style(bold=True)))
        segments.append(Segment(low + " ", PLAIN))
        for i, glyph in enumerate(RAMP):
            code = codes[round(i * (LUT_SIZE - 1) / steps)]
            segments.append(Segment(glyph, style_for(code, NO_COLOR)))
        segments.append(Segment(" " + high, PLAIN))
        return Strip(segments)
