"""Colour maps for matrices, and values mapped onto them.

Colours travel as packed 0xRRGGBB ints: a whole matrix converts in one numpy pass, and the
style cache (tui.widgets.cell_strips) keys on them.
"""

from __future__ import annotations

import numpy as np

LUT_SIZE = 256
"""Colour levels per colormap; index LUT_SIZE is the 'hidden' colour."""

# Written as the hex codes the maps are published in:
# matplotlib's viridis sampled at ten evenly spaced points, and ColorBrewer RdBu reversed so
# that negative is blue.
_ANCHORS: dict[str, str] = {
    "viridis": "440154 482878 3e4a89 31688e 26828e 1f9e89 35b779 6dcd59 b4de2c fde725",
    "gray": "000000 ffffff",
    "diverging": "2166ac 67a9cf d1e5f0 f7f7f7 fddbc7 ef8a62 b2182b",
}
# A colour no map produces: grey where the map has none, dark blue for the grey map.
_HIDDEN: dict[str, str] = {"viridis": "303030", "gray": "1e2d64", "diverging": "303030"}

COLORMAPS = tuple(_ANCHORS)


def _rgb(hex_codes: str) -> np.ndarray:
    """'rrggbb rrggbb ...' as float64 (n, 3) channels."""
    return np.array([list(bytes.fromhex(code)) for code in hex_codes.split()], dtype=np.float64)


def hidden_color(colormap: str) -> tuple[int, int, int]:
    """The colour of NaN, -inf and masked cells for this colormap."""
    red, green, blue = bytes.fromhex(_HIDDEN[colormap])
    return red, green, blue


def colormap_lut(colormap: str) -> np.ndarray:
    """(LUT_SIZE + 1, 3) uint8 colours: the ramp interpolated from anchors, then 'hidden'."""
    if colormap not in _ANCHORS:
        raise ValueError(f"unknown colormap {colormap!r}; choose from {', '.join(COLORMAPS)}")
    anchors = _rgb(_ANCHORS[colormap])
    where = np.linspace(0.0, 1.0, len(anchors))
    t = np.linspace(0.0, 1.0, LUT_SIZE)
    ramp = np.stack([np.interp(t, where, anchors[:, k]) for k in range(3)], axis=1)
    lut = np.vstack([np.rint(ramp), _rgb(_HIDDEN[colormap])])
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


def color_codes(t: np.ndarray, colormap: str, hidden: np.ndarray | None = None) -> np.ndarray:
    """Packed int64 colours of values already in [0, 1]; `hidden` cells get the hidden colour."""
    index = np.rint(t * (LUT_SIZE - 1)).astype(np.intp)
    if hidden is not None:
        index[hidden] = LUT_SIZE
    return np.asarray(lut_codes(colormap), dtype=np.int64)[index]


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
