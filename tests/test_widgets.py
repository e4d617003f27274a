"""The Heatmap and DigitCanvas widgets, driven through a real (headless) Textual app, and the
colour maps they draw with."""

from __future__ import annotations

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.strip import Strip
from textual.widget import Widget

from tui.panes.digits.digit_canvas import DigitCanvas
from tui.widgets.colormaps import LUT_SIZE, colormap_lut, hidden_color
from tui.widgets.heatmap import Heatmap

TOKENS = "the pizza came out of the oven and it tasted good .".split()
HIDDEN_GLYPH = "·"


class OneWidget(App[None]):
    """Just the widget under test, recording the messages it posts."""

    def __init__(self, widget: Widget, ansi_color: bool | None = None) -> None:
        super().__init__(ansi_color=ansi_color)
        self.widget = widget
        self.clicks: list[tuple[int, int]] = []
        self.changes: list[np.ndarray] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_heatmap_cell_clicked(self, message: Heatmap.CellClicked) -> None:
        assert message.control is self.widget
        self.clicks.append((message.row, message.col))

    def on_digit_canvas_changed(self, message: DigitCanvas.Changed) -> None:
        assert message.control is self.widget
        self.changes.append(message.pixels)


def cells(
    strip: Strip,
) -> list[tuple[str, tuple[int, int, int] | None, tuple[int, int, int] | None]]:
    """(glyph, fg rgb, bg rgb) of every terminal cell of a strip."""
    out = []
    for segment in strip:
        style = segment.style
        fg = tuple(style.color.triplet) if style and style.color else None
        bg = tuple(style.bgcolor.triplet) if style and style.bgcolor else None
        out += [(ch, fg, bg) for ch in segment.text]
    return out


def gradient() -> np.ndarray:
    """28x28 values 0..1 growing along rows and (less) along columns: every cell distinct."""
    return np.arange(28 * 28, dtype=np.float64).reshape(28, 28) / (28 * 28 - 1)


def grey(value: float) -> tuple[int, int, int]:
    level = int(np.rint(value * 255))
    return (level, level, level)


def attention() -> np.ndarray:
    rng = np.random.default_rng(1)
    weights = np.tril(rng.random((12, 12)) + 0.05)
    weights /= weights.sum(axis=1, keepdims=True)
    weights[np.triu_indices(12, 1)] = -np.inf
    return weights


# -- Heatmap -----------------------------------------------------------------------------------


async def test_half_blocks_pair_rows_and_size_themselves() -> None:
    matrix = gradient()
    heatmap = Heatmap(matrix, colormap="gray")
    async with OneWidget(heatmap).run_test(size=(80, 24)):
        assert heatmap.size.height == 14 + 1  # 28 rows in half blocks, then the legend
        assert heatmap.size.width >= 28
        for y in range(14):
            line = cells(heatmap.render_line(y))[:28]
            assert [glyph for glyph, _, _ in line] == ["▀"] * 28
            for x, (_, fg, bg) in enumerate(line):
                assert fg == grey(matrix[2 * y, x]), (y, x)
                assert bg == grey(matrix[2 * y + 1, x]), (y, x)
        legend = heatmap.render_line(14).text
        assert "0.00" in legend and "1.00" in legend and "▁" in legend and "█" in legend


async def test_a_long_title_wraps_above_the_scale_instead_of_widening_the_map() -> None:
    title = "softmax weights: each row sums to 1 (layer 1, head 1)"  # 53 characters
    heatmap = Heatmap(gradient(), colormap="gray", title=title)
    async with OneWidget(heatmap).run_test(size=(80, 24)):
        assert heatmap.size.width == 28  # the grid's width, not the title's
        lines = [heatmap.render_line(y).text.rstrip() for y in range(14, heatmap.size.height)]
        assert " ".join(lines[:-1]) == title and all(len(line) <= 28 for line in lines)
        assert "0.00" in lines[-1] and "1.00" in lines[-1]
    short = Heatmap(gradient(), colormap="gray", title="A")
    async with OneWidget(short).run_test(size=(80, 24)):
        assert short.size.height == 14 + 1 and short.render_line(14).text.startswith("A 0.00")


async def test_update_matrix_changes_colours_and_range() -> None:
    heatmap = Heatmap(gradient(), colormap="gray")
    async with OneWidget(heatmap).run_test(size=(80, 24)) as pilot:
        before = cells(heatmap.render_line(0))
        assert before[0][1] == (0, 0, 0)
        heatmap.update_matrix(1.0 - gradient(), vmin=0.0, vmax=2.0)
        await pilot.pause()
        after = cells(heatmap.render_line(0))
        assert after[0][1] == grey(0.5)  # value 1.0 halfway up [0, 2]
        assert after != before
        assert "2.00" in heatmap.render_line(14).text
        heatmap.update_matrix(np.ones((10, 40)))  # new shape: the widget re-lays itself out
        await pilot.pause()
        assert heatmap.size == (40, 5 + 1)


def test_update_keeps_the_fixed_range_and_labels_that_still_fit() -> None:
    heatmap = Heatmap(np.zeros((2, 3)), vmin=-1.0, vmax=1.0, row_labels=["a", "b"])
    heatmap.update_matrix(np.full((2, 3), 0.5))
    assert heatmap.value_range == (-1.0, 1.0) and heatmap.labelled
    heatmap.update_matrix(np.full((2, 3), 0.5), vmin=0.0, vmax=0.5)
    assert heatmap.value_range == (0.0, 0.5)
    heatmap.update_matrix(np.zeros((3, 3)))  # two labels no longer fit three rows
    assert not heatmap.labelled
    heatmap.update_matrix(np.zeros((2, 3)), row_labels=["x", "y"])
    heatmap.update_matrix(np.zeros((2, 3)), row_labels=[])
    assert not heatmap.labelled
    with pytest.raises(ValueError):
        heatmap.update_matrix(np.zeros((2, 3)), col_labels=["too", "few"])


@pytest.mark.filterwarnings("error::RuntimeWarning")
async def test_constant_matrix_does_not_divide_by_zero() -> None:
    heatmap = Heatmap(np.full((5, 5), 3.0), colormap="viridis")
    async with OneWidget(heatmap).run_test(size=(80, 24)) as pilot:
        assert heatmap.value_range == (0.0, 3.0)
        heatmap.update_matrix(np.zeros((4, 4)))
        await pilot.pause()
        assert [heatmap.render_line(y).text[:4] for y in range(2)] == ["▀▀▀▀"] * 2
        heatmap.update_matrix(np.zeros((4, 4)), vmin=1.0, vmax=1.0)
        heatmap.render_line(0)
    diverging = Heatmap(np.zeros((2, 2)), colormap="diverging")
    assert diverging.value_range == (-1.0, 1.0)
    assert (np.abs(diverging.colors[0, 0].astype(int) - 247) <= 1).all()  # zero is the white middle


@pytest.mark.parametrize(
    ("colormap", "first", "last"),
    [
        ("viridis", (68, 1, 84), (253, 231, 37)),
        ("gray", (0, 0, 0), (255, 255, 255)),
        ("diverging", (33, 102, 172), (178, 24, 43)),
    ],
)
def test_a_colormap_runs_between_its_published_ends_then_hidden(
    colormap: str, first: tuple[int, int, int], last: tuple[int, int, int]
) -> None:
    lut = colormap_lut(colormap)
    assert lut.shape == (LUT_SIZE + 1, 3)
    assert tuple(lut[0]) == first and tuple(lut[LUT_SIZE - 1]) == last
    assert tuple(lut[LUT_SIZE]) == hidden_color(colormap)
    assert hidden_color(colormap) not in {tuple(c) for c in lut[:-1]}  # no value looks hidden
    with pytest.raises(ValueError, match="unknown colormap"):
        colormap_lut("jet")


async def test_diverging_is_symmetric_around_zero() -> None:
    heatmap = Heatmap(np.array([[-0.5, 2.0]]), colormap="diverging")
    assert heatmap.value_range == (-2.0, 2.0)
    red, blue = heatmap.colors[0, 1], Heatmap(np.array([[-2.0, 1.0]]), colormap="diverging")
    assert red[0] > red[2] and blue.colors[0, 0][2] > blue.colors[0, 0][0]


async def test_nan_inf_and_masked_cells_are_hidden() -> None:
    matrix = np.ones((4, 4))
    matrix[0, 0] = np.nan
    matrix[1, 1] = -np.inf
    masked = np.zeros((4, 4), dtype=bool)
    masked[2, 2] = True
    heatmap = Heatmap(matrix, masked=masked)
    async with OneWidget(heatmap).run_test(size=(80, 24)):
        hidden = heatmap.hidden_color
        top, bottom = cells(heatmap.render_line(0)), cells(heatmap.render_line(1))
        assert top[0][1] == hidden  # row 0 (upper half), NaN
        assert top[1][2] == hidden  # row 1 (lower half), -inf
        assert bottom[2][1] == hidden  # row 2, masked
        assert top[0][2] != hidden and top[1][1] != hidden and bottom[3][1] != hidden
        ones = {tuple(c) for c in heatmap.colors.reshape(-1, 3)} - {hidden}
        assert len(ones) == 1  # every visible cell is a 1.0


async def test_label_mode_shows_tokens_and_marks_hidden_cells() -> None:
    heatmap = Heatmap(attention(), row_labels=TOKENS, col_labels=TOKENS, cell_width=3)
    app = OneWidget(heatmap)
    async with app.run_test(size=(80, 30)):
        header = 6  # "tasted" and "pizza" written downwards
        gutter = len("tasted") + 1
        assert heatmap.size.height == header + 12 + 1
        assert heatmap.size.width == gutter + 12 * 3
        lines = [heatmap.render_line(y).text for y in range(heatmap.size.height)]
        for col, token in enumerate(TOKENS):
            x = gutter + 3 * col + 1
            assert "".join(lines[y][x] for y in range(header)).rstrip() == token
        for row, token in enumerate(TOKENS):
            line = lines[header + row]
            assert line[:gutter] == token.rjust(gutter - 1) + " "
            grid = line[gutter : gutter + 36]
            assert grid[3 * (row + 1) + 1 :].replace(" ", "") == HIDDEN_GLYPH * (11 - row)
        shot = app.export_screenshot()
        for token in ("pizza", "tasted", "oven"):
            assert token in shot


def test_awkward_tokens_make_one_line_labels() -> None:
    heatmap = Heatmap(np.zeros((3, 3)), row_labels=["\n", " ", "日本"], cell_width=2)
    lines = [strip.text for strip in heatmap.render_all()]
    assert [line[:3] for line in lines[:3]] == ["\\n ", " ␣ ", "?? "]
    assert all(len(line) == len(lines[0]) for line in lines)


async def test_label_mode_glyphs_follow_values_without_colour(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    matrix = np.linspace(0.0, 1.0, 5)[:, None].repeat(3, axis=1)
    heatmap = Heatmap(matrix, row_labels=list("abcde"), cell_width=2)
    async with OneWidget(heatmap).run_test(size=(40, 12)) as pilot:
        assert pilot.app.no_color
        rows = [heatmap.render_line(y).text[2:8] for y in range(5)]
        assert rows == [" " * 6, "░" * 6, "▒" * 6, "▓" * 6, "█" * 6]


async def test_half_blocks_without_colour_still_draw_the_picture(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    digit = np.zeros((4, 4))
    digit[1, 1] = 1.0
    heatmap = Heatmap(digit, colormap="gray")
    async with OneWidget(heatmap).run_test(size=(40, 12)):  # colours become greys: full detail
        assert heatmap.render_line(0).text[:4] == "▀▀▀▀"
    heatmap = Heatmap(digit, colormap="gray")
    async with OneWidget(heatmap, ansi_color=True).run_test(size=(40, 12)):  # colours dropped
        assert heatmap.render_line(0).text[:4] == " █  "


def test_the_marked_row_has_a_marker_beside_it_and_nowhere_else() -> None:
    labelled = Heatmap(attention(), row_labels=TOKENS, marked_row=8)
    lines = [strip.text for strip in labelled.render_all()]
    assert lines[8].startswith("▶     it ")  # the query row: '▶', then its label
    assert [n for n, line in enumerate(lines[:12]) if "▶" in line] == [8]
    assert labelled.row_region(8).y == 8 and labelled.row_region(8).width == 2 + 7 + 12
    half = Heatmap(gradient(), marked_row=5)  # two rows a line: the marker says which half
    lines = [strip.text for strip in half.render_all()]
    assert lines[2].startswith("▄ ") and not any(line.startswith("▀") for line in lines)
    assert half.row_region(5).y == 2 and half.cell_at(2, 2) == (4, 0)
    half.update_matrix(gradient())  # an update without it: no marker, no gutter
    assert half.render_all()[0].text.startswith("▀▀") and half.grid_region.width == 28


def test_half_blocks_keep_the_labels_two_to_a_line() -> None:
    heatmap = Heatmap(attention(), row_labels=TOKENS, half_blocks=True)
    assert heatmap.grid_region.height == 6  # 12 rows in 6 lines
    lines = [strip.text for strip in heatmap.render_all()]
    assert [line[:10] for line in lines[:3]] == ["the/pizza ", " came/out ", "   of/the "]
    assert heatmap.cell_at(len("the/pizza "), 1) == (2, 0)


async def test_cell_at_maps_offsets_back_in_both_modes() -> None:
    half = Heatmap(gradient())
    assert half.cell_at(5, 3) == (6, 5)
    assert half.cell_at(27, 13) == (26, 27)
    assert half.cell_at(28, 0) is None and half.cell_at(0, 14) is None  # right edge, legend
    assert half.cell_at(-1, 0) is None
    wide = Heatmap(gradient(), cell_width=2)
    assert wide.cell_at(5, 3) == (6, 2)
    labelled = Heatmap(attention(), row_labels=TOKENS, col_labels=TOKENS, cell_width=3)
    gutter, header = 7, 6
    assert labelled.cell_at(gutter, header) == (0, 0)
    assert labelled.cell_at(gutter + 3 * 4 + 2, header + 5) == (5, 4)
    assert labelled.cell_at(gutter - 1, header) is None  # on a row label
    assert labelled.cell_at(gutter, header - 1) is None  # on the column labels
    assert labelled.cell_at(gutter + 36, header) is None
    assert labelled.cell_at(gutter, header + 12) is None  # legend


@pytest.mark.parametrize("labelled", [False, True])
async def test_click_posts_the_cell(labelled: bool) -> None:
    if labelled:
        heatmap = Heatmap(attention(), row_labels=TOKENS, col_labels=TOKENS, cell_width=3)
        offset, expected = (7 + 3 * 9 + 1, 6 + 10), (10, 9)
    else:
        heatmap = Heatmap(gradient())
        offset, expected = (11, 4), (8, 11)
    app = OneWidget(heatmap)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.click(heatmap, offset=offset)
        await pilot.click(heatmap, offset=(0, heatmap.size.height - 1))  # legend: no cell
        await pilot.pause()
    assert app.clicks == [expected]


# -- DigitCanvas -------------------------------------------------------------------------------


async def test_arrows_and_space_paint_under_the_cursor() -> None:
    canvas = DigitCanvas()
    app = OneWidget(canvas)
    async with app.run_test(size=(80, 24)) as pilot:
        canvas.focus()
        await pilot.press("right", "right", "down")
        assert canvas.cursor == (15, 16)
        cursor_line = cells(canvas.render_line(7))
        assert cursor_line[16][2] != (0, 0, 0)  # pixel row 15 is the lower half: highlighted
        assert app.changes == []
        await pilot.press("space")
        await pilot.pause()
        assert canvas.pixels[15, 16] == 1.0
        assert canvas.pixels[14, 16] == 0.5 and canvas.pixels[15, 17] == 0.5
        assert canvas.pixels.sum() == pytest.approx(1.0 + 4 * 0.5)
        assert len(app.changes) == 1
        assert np.array_equal(app.changes[0], canvas.pixels)
        assert app.changes[0] is not canvas.pixels
        await pilot.press("space")  # same ink again: nothing changed, nothing posted
        await pilot.pause()
        assert len(app.changes) == 1


async def test_mouse_drag_paints_a_stroke_and_c_clears() -> None:
    canvas = DigitCanvas()
    app = OneWidget(canvas)
    async with app.run_test(size=(80, 24)) as pilot:
        left, top = canvas.content_region.offset - canvas.region.offset
        await pilot.mouse_down(canvas, offset=(left + 3, top + 2))
        await pilot.hover(canvas, offset=(left + 9, top + 2))  # jumps 6 cells: no gaps
        await pilot.mouse_up(canvas, offset=(left + 9, top + 2))
        await pilot.hover(canvas, offset=(left + 20, top + 10))  # button up: no ink
        await pilot.pause()
        ink = canvas.pixels
        assert (ink[4:6, 3:10] == 1.0).all()  # both pixel rows of terminal line 2
        assert ink[4, 10] == 0.5 and ink[3, 5] == 0.5 and ink[6, 5] == 0.5
        assert ink[20:, 18:].sum() == 0
        assert app.changes and np.array_equal(app.changes[-1], ink)
        canvas.focus()
        await pilot.press("c")
        await pilot.pause()
        assert canvas.pixels.dtype == np.float32 and not canvas.pixels.any()
        assert not app.changes[-1].any()


async def test_set_pixels_shows_a_digit_in_grey() -> None:
    canvas = DigitCanvas()
    async with OneWidget(canvas).run_test(size=(80, 24)) as pilot:
        assert canvas.content_size == (28, 14)
        digit = np.zeros(784, dtype=np.float32)
        digit[2 * 28 + 5] = 1.0
        canvas.set_pixels(digit)
        await pilot.pause()
        line = cells(canvas.render_line(1))
        assert line[5][1] == (255, 255, 255) and line[5][2] == (0, 0, 0)
        assert line[4][1] == (0, 0, 0)
        canvas.clear()
        assert not canvas.pixels.any()
