"""The Lab's two training-loss curves, A and B, on one scale (tui.widgets.curves draws them);
their legends wrap, each whole, as the lesson compares the numbers in them."""

from __future__ import annotations

from tui.widgets.curves import Curves

SERIES = ("A", "B")


class LabCurves(Curves):
    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:  # noqa: A002
        super().__init__(
            SERIES, "training loss of A and B, on one scale", wrap_legend=True, name=name, id=id
        )
