"""The ladder as a table: one row per rung, filled in as it trains (the latest estimate while it
does), the lecture's figure beside its own, and whose pieces it was built from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import DataTable

if TYPE_CHECKING:
    from engine.events import RungResult
    from engine.ladder import Rung

COLUMNS = (  # key: heading
    ("rung", "rung"),
    ("val", "val loss"),
    ("lecture", "lecture"),
    ("params", "params"),
    ("seconds", "s"),
    ("pieces", "pieces"),
    ("adds", "adds"),
)


def size(parameters: int) -> str:
    """'4.2k', '0.81M': a parameter count at a glance."""
    if parameters >= 1_000_000:
        return f"{parameters / 1e6:.2f}M"
    return f"{parameters / 1000:.1f}k" if parameters >= 1000 else str(parameters)


def pieces_text(theirs: list[str]) -> str:
    """'head: yours', 'head, multi_head: yours', or 'reference'."""
    return f"{', '.join(theirs)}: yours" if theirs else "reference"


class LadderTable(DataTable):
    """Rows keyed by rung number (as text); the cursor picks the rung whose sample shows."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for key, heading in COLUMNS:
            self.add_column(heading, key=key)

    def list_rungs(self, rungs: list[Rung]) -> None:
        """An empty row for each rung, the lecture's figure already in it."""
        self.clear()
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
            self.update_cell(str(number), "params", size(parameters), update_width=True)

    def done(self, result: RungResult, pieces: str) -> None:
        key = str(result.rung)
        if not self.has_rung(result.rung):
            return
        val = f"{result.val_loss:.3f}" + (" (diverged)" if result.diverged else "")
        self.update_cell(key, "val", Text(val, style="bold"), update_width=True)
        self.update_cell(key, "params", size(result.parameters), update_width=True)
        self.update_cell(key, "seconds", f"{result.seconds:.0f}", update_width=True)
        self.set_pieces(result.rung, pieces)

    def set_pieces(self, number: int, pieces: str) -> None:
        """Whose pieces the rung was built from ('head: yours ✓' once yours has trained)."""
        self.update_cell(str(number), "pieces", pieces, update_width=True)

    def selected(self) -> int | None:
        """The rung number under the cursor."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    def select(self, number: int) -> None:
        if self.has_rung(number):
            self.move_cursor(row=self.get_row_index(str(number)))
