"""The ladder as a table: one row per rung, filled in as it trains (the latest estimate while it
does), the lecture's figure beside its own, and whose pieces it was built from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.geometry import Region
from textual.widgets import DataTable

if TYPE_CHECKING:
    from engine.events import RungResult
    from engine.ladder import Rung

COLUMNS = (  # key, heading, width (None: as wide as the widest rung's)
    ("rung", "rung", None),
    ("val", "val loss", 8),
    ("lecture", "lecture", 7),
    ("params", "params", 6),
    ("seconds", "s", 4),
    ("pieces", "pieces", 13),
    ("adds", "adds", None),
)


def size(parameters: int) -> str:
    """'4.2k', '0.81M': a parameter count at a glance."""
    if parameters >= 1_000_000:
        return f"{parameters / 1e6:.2f}M"
    return f"{parameters / 1000:.1f}k" if parameters >= 1000 else str(parameters)


def pieces_text(theirs: list[str]) -> str:
    """'head: yours', '3 of yours' (the detail below the table names them), or 'reference'."""
    if len(theirs) > 1:
        return f"{len(theirs)} of yours"
    return f"{theirs[0]}: yours" if theirs else "reference"


class LadderTable(DataTable):
    """Rows keyed by rung number (as text); the cursor picks the rung whose sample shows."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def list_rungs(self, rungs: list[Rung]) -> None:
        """An empty row for each rung, the lecture's figure already in it. The columns are as
        wide as all they will hold, so filling them in moves nothing."""
        self.clear(columns=True)
        widest = {
            "rung": max(len(f"{r.number} {r.name}") for r in rungs),
            "adds": max(len(r.adds) for r in rungs),
        }
        for key, heading, width in COLUMNS:
            self.add_column(heading, key=key, width=width or widest[key])
        for rung in rungs:
            self.add_row(
                f"{rung.number} {rung.name}",
                "",
                f"{rung.lecture:.2f}",
                "",
                "",
                "",
                Text(rung.adds, style="dim"),
                key=str(rung.number),
            )

    def figures_region(self) -> Region:
        """The heading and every row, from the rung's name to its pieces: all but "adds",
        which the line under the table says for the selected rung."""
        width = sum(c.get_render_width(self) for c in self.ordered_columns if c.key != "adds")
        return Region(0, 0, width, self.header_height + self.row_count)

    def has_rung(self, number: int) -> bool:
        return str(number) in self.rows

    def live(self, number: int, val_loss: float) -> None:
        """The rung's latest estimate while it trains."""
        if self.has_rung(number):
            self.update_cell(
                str(number), "val", Text(f"{val_loss:.3f}", style="italic"), update_width=True
            )

    def started(self, number: int, parameters: int) -> None:
        if self.has_rung(number):
            self.update_cell(str(number), "params", size(parameters))

    def done(self, result: RungResult, pieces: str) -> None:
        key = str(result.rung)
        if not self.has_rung(result.rung):
            return
        val = f"{result.val_loss:.3f}" + ("!" if result.diverged else "")  # the detail says why
        self.update_cell(key, "val", Text(val, style="bold"))
        self.update_cell(key, "params", size(result.parameters))
        self.update_cell(key, "seconds", f"{result.seconds:.0f}")
        self.set_pieces(result.rung, pieces)

    def set_pieces(self, number: int, pieces: str) -> None:
        """Whose pieces the rung was built from ('head: yours ✓' once yours has trained)."""
        self.update_cell(str(number), "pieces", pieces)

    def selected(self) -> int | None:
        """The rung number under the cursor."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    def select(self, number: int) -> None:
        if self.has_rung(number):
            self.move_cursor(row=self.get_row_index(str(number)))
