"""The Lab's Results tab: both loss curves on one scale, the verdict, a sample from each model
and each one's attention on the probe text; and the short texts they are labelled with."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Label, Select, Static

from tui.panes.lab.config import short_name
from tui.panes.lab.curves import LabCurves
from tui.widgets.heatmap import Heatmap

SAMPLE_LEADS = {"a": "bold $primary-lighten-2", "b": "bold $warning"}  # as A's and B's curves

if TYPE_CHECKING:
    from engine.compare import VariantResult
    from engine.events import ComparisonDone


class LabResults(VerticalScroll):
    def __init__(self, probe: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.probe = probe  # as shown: newlines as ⏎

    def compose(self) -> ComposeResult:
        yield Select([], prompt="no finished comparison yet", id="lab-history", compact=True)
        yield LabCurves(id="lab-curves")
        yield Static(
            "No comparison yet: s trains A and B (300 steps each, ? says how long), and "
            "the verdict appears here.",
            id="lab-verdict",
        )
        with Horizontal(id="lab-samples"):
            for k in ("a", "b"):
                yield Static("", id=f"lab-sample-{k}", classes="lab-sample", markup=False)
        yield Label(
            f"Attention on “{self.probe}”, last layer, head 1 "
            "(row: the character looking; column: the one looked at)",
            id="lab-maps-caption",
        )
        with Horizontal(id="lab-maps"):
            for k in ("a", "b"):
                yield Heatmap(None, title=k.upper(), id=f"lab-map-{k}", classes="lab-map")

    def clear(self, steps: int, verdict: str) -> None:
        """Empty, for a run of `steps` steps each, with `verdict` where the verdict goes."""
        self.query_one(LabCurves).reset(steps)
        self.query_one("#lab-verdict", Static).update(verdict)
        for k in ("a", "b"):
            self.query_one(f"#lab-sample-{k}", Static).update("")
            self.query_one(f"#lab-map-{k}", Heatmap).update_matrix(None)

    def show(self, done: ComparisonDone) -> None:
        self.query_one(LabCurves).show(
            done.steps,
            {r.name: r.train_loss for r in done.results},
            {r.name: legend(r) for r in done.results},
        )
        sentences = list(done.verdict)
        self.query_one("#lab-verdict", Static).update(
            Content.assemble((sentences[0], "bold"), *("\n" + s for s in sentences[1:]))
            if sentences
            else ""
        )
        for r in done.results:
            k = r.name.lower()
            self.query_one(f"#lab-sample-{k}", Static).update(
                Content.assemble((f"{r.name}: ", SAMPLE_LEADS[k]), shown_sample(r.sample))
            )
            self.query_one(f"#lab-map-{k}", Heatmap).update_matrix(
                r.attention,
                vmin=0.0,
                vmax=1.0,
                row_labels=r.tokens,
                col_labels=r.tokens,
                masked=None if r.visible is None else ~r.visible,
            )


def describe(index: int, done: ComparisonDone) -> str:
    """'1. A standard vs B anti_causal, 300 steps': a comparison in the history list."""
    a, b = done.results
    return (
        f"{index + 1}. A {short_name(a.variant.model)} vs B {short_name(b.variant.model)}, "
        f"{done.steps} steps"
    )


def shown_sample(text: str) -> str:
    """The sample with its newlines as ⏎ (as the probe text is), so that both fit beside each
    other in the few rows under a lesson; runs of blank lines are cut to one (a model that
    cannot write often emits a dozen newlines in a row)."""
    return re.sub(r"\n{3,}", "\n\n", text.strip("\n")).replace("\n", "⏎") or "—"


def size(parameters: int) -> str:
    """'105k params' (nothing while unknown)."""
    return f"{parameters / 1e3:.0f}k params" if parameters else ""


def losses(result: VariantResult) -> str:
    """'train 2.41 val 2.46' (or why there is no loss)."""
    if result.diverged:
        return "diverged"
    return f"train {result.final_train:.2f} val {result.final_val:.2f}"


def legend(result: VariantResult) -> str:
    """'105k params · train 2.41 val 2.46': the curves' legend."""
    return " · ".join(part for part in (size(result.parameters), losses(result)) if part)
