"""The Copying pane's Inside-a-GPT tab: a GPT (the shipped one, runs/gpt-*.pt or any path) on
a passage repeated once (engine.inside.look), its heads' scores, heads switched off, and the
logit lens. It guards its model with a `Job` of its own: every load and look runs there, and
only the latest look asked for is computed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Select, Static

from tui.jobs import Job
from tui.panes.copying import work
from tui.panes.copying.inside_text import lens_text, losses_text, repeat_text
from tui.panes.copying.narrowing import Narrowing
from tui.panes.copying.score_table import ScoreTable
from tui.panes.copying.work import SHIPPED, SPEECH, Pair
from tui.widgets.form import choice

if TYPE_CHECKING:
    from engine.inside import Look

TEXT_BESIDE_NEEDS = 76  # columns below which the table goes above the text (a lens line: 45)


class InsideView(Vertical):
    """`showing()` when its tab shows (it loads its GPT then, not before); `choose`, `open`,
    `switch_off`, `all_on` and `lens` are the pane's keys and a lesson's settings."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.job = Job(self, "inside")
        self.gpt = None
        self.tokenizer = None
        self.off: frozenset[Pair] = frozenset()
        self.position: int | None = None  # the lens's; None: the copy's last prediction
        self.look_shown: Look | None = None
        self.strong = 0.5  # engine.induction.INDUCTION_HEAD, set by the pane with the engine
        self._asked = 0  # looks asked for: only the latest is computed
        self._new = True  # the next look is of another GPT or passage (a lesson's setup)

    def compose(self) -> ComposeResult:
        with Horizontal(id="copy-gpt-inputs"):
            yield choice([("shipped char GPT", SHIPPED)], SHIPPED, "copy-gpt")
            yield Input(
                SPEECH,
                placeholder="a passage; empty: random characters",
                id="copy-passage",
                compact=True,
            )
        yield Static("Loading the GPT…", id="copy-gpt-losses")
        with Narrowing(TEXT_BESIDE_NEEDS, id="copy-gpt-body"):
            yield ScoreTable(id="copy-gpt-scores")
            with VerticalScroll(id="copy-gpt-scroll"):
                yield Static("", id="copy-gpt-lens")
                yield Static("", id="copy-gpt-text")

    # -- which GPT -----------------------------------------------------------------------------
    def offer(self, extra: str | None = None) -> None:
        """The shipped GPT, runs/gpt-*.pt and `extra` (chosen, if given) in the drop-down,
        quietly: whoever changes the choice loads it (`choose`)."""
        runs = sorted(Path("runs").glob("gpt-*.pt")) if Path("runs").is_dir() else []
        options = [("shipped char GPT", SHIPPED)] + [(p.name, str(p)) for p in runs]
        if extra and extra not in [value for _, value in options]:
            options.append((Path(extra).name, extra))
        select = self.query_one("#copy-gpt", Select)
        current = extra or select.value
        with select.prevent(Select.Changed):
            select.set_options(options)
            select.value = current if current in [v for _, v in options] else SHIPPED

    def choose(self, which: str, now: bool) -> None:
        """Look inside `which`: now, or (the tab not showing) once it shows."""
        self.offer(which)
        if now:
            self.load(which)
        else:
            self.gpt, self.look_shown = None, None

    def showing(self) -> None:
        if self.gpt is None:
            self.load(str(self.query_one("#copy-gpt", Select).value))

    def load(self, which: str) -> None:
        self.gpt = None
        self._say(f"Loading {Path(which).name}…")
        self.query_one("#copy-gpt-scores", ScoreTable).show([], frozenset(), self.strong)
        device = self.app.device
        self.job.call(lambda: work.load_gpt(which, device), then=self._loaded, failed=self._failed)

    def _loaded(self, loaded: tuple) -> None:
        self.gpt, self.tokenizer = loaded
        self.off, self.position, self._new = frozenset(), None, True
        self.look()

    @on(Select.Changed, "#copy-gpt")
    def _chosen(self, event: Select.Changed) -> None:
        event.stop()
        if self.app.engine_ready:  # not the Select's own Changed at mount: showing() loads
            self.load(str(event.value))

    # -- looking -------------------------------------------------------------------------------
    def set_passage(self, passage: str) -> None:
        self.query_one("#copy-passage", Input).value = passage
        self.position, self._new = None, True
        self.look()

    @on(Input.Submitted, "#copy-passage")
    def _passage(self, event: Input.Submitted) -> None:
        event.stop()
        self.set_passage(event.value)
        self.query_one("#copy-gpt-scores").focus()

    def look(self) -> None:
        if self.gpt is None:
            return
        gpt, tokenizer, off, position = self.gpt, self.tokenizer, self.off, self.position
        passage = self.query_one("#copy-passage", Input).value
        self._asked += 1
        asked = self._asked

        def compute() -> Look | None:
            if asked != self._asked:
                return None  # a newer look is on its way
            return work.look_inside(gpt, tokenizer, passage, off, position)

        self.job.call(compute, then=self._looked, failed=self._failed)

    def _looked(self, look: Look | None) -> None:
        if look is None:
            return
        self.look_shown, self.position = look, look.position
        self.query_one("#copy-gpt-scores", ScoreTable).show(look.scores, look.off, self.strong)
        self.query_one("#copy-gpt-losses", Static).update(losses_text(look))
        self.query_one("#copy-gpt-lens", Static).update(lens_text(look))
        self.query_one("#copy-gpt-text", Static).update(repeat_text(look))
        if self._new:  # what a lesson's step points at is here now
            self._new = False
            self.screen.bring_focus_into_view()

    def _say(self, line: str) -> None:
        """One line where the losses go (loading, a failure); nothing of the last GPT shows."""
        self.query_one("#copy-gpt-losses", Static).update(line)
        for part in ("#copy-gpt-lens", "#copy-gpt-text"):
            self.query_one(part, Static).update("")

    def _failed(self, error: str) -> None:
        self._say(error)
        self.notify(error, severity="error")

    # -- the keys ------------------------------------------------------------------------------
    def switch_off(self) -> None:
        pair = self.query_one("#copy-gpt-scores", ScoreTable).selected()
        if self.look_shown is not None and pair is not None:
            self.off ^= {pair}
            self.look()

    def all_on(self) -> None:
        self.off = frozenset()
        self.look()

    def lens(self, step: int) -> None:
        if self.look_shown is not None:
            last = len(self.look_shown.tokens) - 1
            self.position = max(0, min(self.look_shown.position + step, last))
            self.look()
