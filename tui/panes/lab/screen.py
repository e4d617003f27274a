"""The Lab pane: train two attention variants side by side and see what the change does.

A and B are trained for the same short run on the same text, seed and batches
(`engine.compare`), one step of A then one of B, in the worker of a `Job` (tui.jobs) that can
stop between any two steps; the pane hears compare's events themselves. When both are
done the pane shows their training-loss curves on one scale, a sample from each, each one's
attention on a probe text (last layer, first head) and the verdict the engine computed from the
numbers. Every finished comparison is kept for the session.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Button, Input, Label, Select, Static, TabbedContent, TabPane

from engine.compare import BASE_MODEL, PROBE, Variant
from engine.variants import POSITIONALS, SCORES, STANDARD, empty_rows
from engine.verdict import differences
from tui.jobs import Job, JobEnd
from tui.panes.base import PaneScreen, pane_help
from tui.panes.lab.config import (
    HEADS,
    MASKS,
    LabConfig,
    LabSettingsError,
    short_name,
)
from tui.panes.lab.curves import LabCurves
from tui.panes.lab.results import LabResults, describe, losses, size
from tui.panes.lesson_focus import Target

if TYPE_CHECKING:
    from engine.events import (
        ComparisonDone,
        VariantDiverged,
        VariantEval,
        VariantReady,
        VariantStep,
    )

DEFAULT_STEPS = 300
MAX_STEPS = 20_000
BLOCK_SIZE = BASE_MODEL["block_size"]  # the custom mask's size
PROBE_SHOWN = PROBE.replace("\n", "⏎")
LESSON_KEYS = ("a", "b", "steps", "tab")  # what a lesson step may set here (apply_lesson)

# The classic experiments `n` cycles through: B against the standard A.
CLASSICS: list[tuple[dict[str, Any], str]] = [
    ({"mask": "anti_causal"}, "each position sees itself and the future"),
    ({"score": "negated"}, "every preference flips sign"),
    ({"residual": False}, "blocks replace the stream instead of adding to it"),
    ({"mask": "none"}, "every position sees every other"),
    ({"mask": "window:4"}, "each position sees only the last 4"),
    ({"positional": "none"}, "no position information at all"),
    ({"n_head": 1}, "one head instead of four"),
]

HELP = pane_help(__file__)


class LabScreen(PaneScreen):
    PANE = "lab"
    HELP = HELP
    CSS_PATH = "lab.tcss"
    BUTTON_PREFIX = "lab-"
    FOCI = {
        "setup-a": "#config-a .lab-config-fields",
        "setup-b": "#config-b .lab-config-fields",
        "curves": "#lab-curves",
        "legend": "#lab-curves",  # its last lines (focus_targets)
        "verdict": "#lab-verdict",
        "samples": "#lab-samples",
    }
    BINDINGS = [
        Binding("s", "start", "Start"),
        Binding("x", "stop", "Stop"),
        Binding("n", "next_classic", "Next classic"),
        Binding("e", "show_tab('lab-setup')", "Setup"),
        Binding("r", "show_tab('lab-results')", "Results"),
        Binding("left_square_bracket", "flip(-1)", "Previous", show=False),
        Binding("right_square_bracket", "flip(1)", "Next", show=False),
    ]
    state: reactive[str] = reactive("loading")  # loading, idle, running, done

    def __init__(self) -> None:
        super().__init__(name="lab")
        self.comparisons: list[ComparisonDone] = []
        self.shown: int | None = None  # index of the comparison on show, None: live or none
        self.classic = 1  # the next of CLASSICS for `n`: B starts as the first
        self.total = DEFAULT_STEPS
        self.live_steps: dict[str, int] = {"A": 0, "B": 0}
        self.live_loss: dict[str, float | None] = {"A": None, "B": None}
        self.parameters: dict[str, int] = {}  # of the run in progress, per variant
        self.started_at = 0.0
        self.warnings: list[str] = []  # of the run in progress: a variant that diverged
        self.job = Job(self, "lab")  # a new one for each comparison

    # -- layout ------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        yield Label("Loading PyTorch…", id="lab-status")
        with TabbedContent(id="lab-tabs"):
            with TabPane("Setup", id="lab-setup"):
                with VerticalScroll(id="lab-setup-scroll", can_focus=False):
                    with Horizontal(id="lab-configs"):
                        yield LabConfig("A", STANDARD, block_size=BLOCK_SIZE, id="config-a")
                        yield LabConfig(
                            "B", {"mask": "anti_causal"}, block_size=BLOCK_SIZE, id="config-b"
                        )
                    with Horizontal(id="lab-run-row"):
                        yield Label("steps", id="lab-steps-label")
                        yield Input(
                            str(DEFAULT_STEPS),
                            id="lab-steps",
                            compact=True,
                            select_on_focus=True,
                            restrict=r"[0-9]*",
                        )
                        yield Button("Start", id="lab-start", compact=True, variant="primary")
                        yield Button("Stop", id="lab-stop", compact=True)
                    yield Static("", id="lab-diff", classes="hint")
            with TabPane("Results", id="lab-results"):
                yield LabResults(PROBE_SHOWN, id="lab-results-scroll")

    def on_mount(self) -> None:
        self.watch(self.app, "engine_ready", self._engine_ready, init=True)
        self.show_difference()

    def _engine_ready(self, ready: bool) -> None:
        if ready and self.state == "loading":
            self.state = "idle"

    def watch_state(self, state: str) -> None:
        status = {
            "loading": "Loading PyTorch…",
            "idle": "Ready: s trains A and B side by side; n picks the next classic experiment.",
            "running": "Training A and B… x stops.",
            "done": "Done: s runs again; [ ] flip through the comparisons.",
        }[state]
        self.set_status(status)
        self.enable_buttons(start=state in ("idle", "done"), stop=state == "running")
        self.query_one("#lab-history", Select).disabled = state == "running"

    def set_status(self, text: str) -> None:
        self.query_one("#lab-status", Label).update(text)

    def show_difference(self) -> None:
        """Say in one line how B differs from A (as the learner sets them)."""
        try:
            a = self.query_one("#config-a", LabConfig).values()
            b = self.query_one("#config-b", LabConfig).values()
        except LabSettingsError as exc:
            self.query_one("#lab-diff", Static).update(str(exc))
            return
        changed = differences(Variant("A", a), Variant("B", b))
        empty = {name: empty_rows(cfg["mask"]) for name, cfg in (("A", a), ("B", b))}
        what = {(key, value): why for model, why in CLASSICS for key, value in model.items()}
        notes = [
            f"{name}: {what[key, cfg[key]]}"
            for key in changed
            for name, cfg in (("A", a), ("B", b))
            if (key, cfg[key]) in what
        ]
        lines = [
            f"A: {short_name(a)}.  B: {short_name(b)}."
            + ("  They differ in: " + ", ".join(changed) + "." if changed else "  (the same)")
        ]
        if notes:
            lines.append("; ".join(notes) + ".")
        for name, rows in empty.items():
            if rows:
                lines.append(
                    f"[$error]{name}'s mask: row {rows[0]} sees nothing: its attention weights "
                    "and output will be 0 (allowed, not NaN).[/]"
                )
        self.query_one("#lab-diff", Static).update("\n".join(lines))

    @on(LabConfig.Changed)
    def on_config_changed(self, _: LabConfig.Changed) -> None:
        self.show_difference()

    # -- actions -----------------------------------------------------------------------------
    @on(Input.Submitted)
    def on_input_submitted(self) -> None:
        """Enter in the steps (or a dropout) field starts, as `s` would elsewhere."""
        self.action_start()

    def action_start(self) -> None:
        if self.state not in ("idle", "done"):
            if self.state == "loading":
                self.notify("PyTorch is still loading; try again in a moment.")
            return
        try:
            a = self.query_one("#config-a", LabConfig).values()
            b = self.query_one("#config-b", LabConfig).values()
            steps = self.steps()
        except LabSettingsError as exc:
            self.notify(str(exc), severity="error")
            return
        for name, cfg in (("A", a), ("B", b)):
            if rows := empty_rows(cfg["mask"]):
                self.notify(
                    f"{name}'s custom mask hides every key from row(s) "
                    f"{', '.join(map(str, rows[:6]))}: those positions get zero attention "
                    "(their attention output is 0, no NaN) and predict from the residual "
                    "stream alone.",
                    severity="warning",
                    timeout=8,
                )
        self.total = steps
        self.shown = None
        self.live_steps = {"A": 0, "B": 0}
        self.live_loss = {"A": None, "B": None}
        self.parameters, self.warnings = {}, []
        self.started_at = time.monotonic()
        self.query_one(LabResults).clear(
            self.total,
            f"Training for {steps} steps each: the verdict comes here when both are done "
            "(e: back to the Setup).",
        )
        self.query_one("#lab-history", Select).clear()  # what shows is the live run
        self.state = "running"
        self.action_show_tab("lab-results")
        self.job.discard()  # a comparison stopped earlier says nothing more
        self.job = Job(self, "lab")
        threads = self.app.threads
        self.job.start(lambda: compare_in_worker(a, b, steps, threads))

    def steps(self) -> int:
        text = self.query_one("#lab-steps", Input).value.strip()
        try:
            steps = int(text)
        except ValueError:
            raise LabSettingsError(f"steps must be a whole number, got {text!r}") from None
        if not 1 <= steps <= MAX_STEPS:
            raise LabSettingsError(f"steps must be from 1 to {MAX_STEPS}, got {steps}")
        return steps

    def action_stop(self) -> None:
        if self.state == "running":
            self.job.discard()
            self.state = "done" if self.comparisons else "idle"
            self.set_status(
                f"Stopped at step {min(self.live_steps.values())} of {self.total}; s starts again."
            )
            self.query_one("#lab-verdict", Static).update("Stopped before the end: no verdict.")

    def busy_with(self) -> str | None:
        """What quitting now would cut short (the app asks before it quits)."""
        if self.state != "running":
            return None
        return f"comparing A and B (step {min(self.live_steps.values()):,} of {self.total:,})"

    def action_show_tab(self, tab: str) -> None:
        """Show the tab with the keyboard's focus in it (A's first field, or the Results to
        scroll): left on a field of a tab now hidden, Textual would move it to a sibling field,
        and a field focused opens its tab again (`r` after a dropdown did nothing)."""
        self.query_one(TabbedContent).active = tab
        first = "#a-score" if tab == "lab-setup" else "#lab-results-scroll"
        self.query_one(first).focus(scroll_visible=False)

    def action_next_classic(self) -> None:
        if self.state == "running":
            return
        model, what = CLASSICS[self.classic % len(CLASSICS)]
        self.classic += 1
        self.query_one("#config-a", LabConfig).set_values(STANDARD)
        self.query_one("#config-b", LabConfig).set_values(model)
        self.action_show_tab("lab-setup")
        self.notify(f"A: standard; B: {short_name(model)}: {what}.", timeout=4)

    def action_flip(self, delta: int) -> None:
        if self.state == "running" or not self.comparisons:
            return
        last = len(self.comparisons) - 1
        index = last if self.shown is None else min(max(self.shown + delta, 0), last)
        self.query_one("#lab-history", Select).value = index
        self.action_show_tab("lab-results")

    @on(Select.Changed, "#lab-history")
    def on_history_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, int) and self.state != "running":
            self.show_comparison(event.value)

    # -- lessons -----------------------------------------------------------------------------
    def focus_targets(self, name: str) -> list[Target]:
        """As FOCI says, but the legend is the curves' last lines, and B's settings lead with
        the fields where B differs from A (they win where not all fit)."""
        targets = super().focus_targets(name)
        if name == "legend":
            curves = self.query_one(LabCurves)
            return [Target(curves, curves.legend_region(), what=name)]
        if name == "setup-b":
            try:
                a = self.query_one("#config-a", LabConfig).values()
                b = self.query_one("#config-b", LabConfig).values()
            except LabSettingsError:
                return targets
            changed = differences(Variant("A", a), Variant("B", b))
            fields = [Target(self.query_one(f"#b-{key}"), what=f"B's {key}") for key in changed]
            return fields + targets
        return targets

    def apply_lesson(self, setup: dict) -> None:
        """Set the pane up for a lesson step: `a` and `b` (each a table of changes from the
        standard GPT: score, mask, positional, residual, dropout, n_head; {} is the standard),
        `steps`, and `tab` (setup, results). Nothing starts: the learner presses s."""
        setup = self.lesson_keys(setup, LESSON_KEYS)
        configs = {k: setup[k] for k in ("a", "b") if k in setup}
        if (configs or "steps" in setup) and self.state == "running":
            self.lesson_problem("A comparison is running: x stops it, then the step again.")
            configs = {}
            setup.pop("steps", None)
        for name, model in configs.items():
            checked = self._lesson_variant(name.upper(), model)
            if checked is not None:
                self.query_one(f"#config-{name}", LabConfig).set_values(checked)
        if "steps" in setup:
            steps = setup["steps"]
            if isinstance(steps, int) and not isinstance(steps, bool) and 1 <= steps <= MAX_STEPS:
                self.query_one("#lab-steps", Input).value = str(steps)
            else:
                self.lesson_problem(f"Lab: steps must be from 1 to {MAX_STEPS}, not {steps!r}.")
        tab = setup.get("tab", "setup" if configs else None)
        if tab is not None:
            if tab in ("setup", "results"):
                self.action_show_tab(f"lab-{tab}")
            else:
                self.lesson_problem(f"Lab has no tab {tab!r}: choose setup or results.")
        self.show_difference()

    def _lesson_variant(self, name: str, model: object) -> dict[str, Any] | None:
        """`model` if every setting in it is one the Lab offers; else one warning and None."""
        if not isinstance(model, dict):
            self.lesson_problem(f"Lab: {name} must be a table of settings; ignored.")
            return None
        choices: dict[str, tuple] = {
            "score": SCORES,
            "mask": tuple(m for m in MASKS if m != "custom"),
            "positional": POSITIONALS,
            "residual": (True, False),
            "n_head": HEADS,
        }
        for key, value in model.items():
            if key not in STANDARD:
                self.lesson_problem(f"Lab: {name} has no setting {key!r}; {name} unchanged.")
                return None
            if key == "dropout":
                ok = isinstance(value, (int, float)) and 0 <= value < 1
            else:
                ok = value in choices[key] and type(value) is type(choices[key][0])
            if not ok:
                self.lesson_problem(f"Lab: {name}'s {key} cannot be {value!r}; {name} unchanged.")
                return None
        return dict(model)

    # -- compare's events (on the UI thread) ------------------------------------------------
    def show_variant_ready(self, events: list[VariantReady]) -> None:
        for event in events:
            self.parameters[event.name] = event.parameters
            self.query_one(LabCurves).set_legend(event.name, size(event.parameters))

    def show_variant_step(self, events: list[VariantStep]) -> None:
        curves = self.query_one(LabCurves)
        for name in ("A", "B"):
            mine = [e for e in events if e.name == name]
            if mine:
                curves.extend(name, [e.loss for e in mine])
                self.live_loss[name], self.live_steps[name] = mine[-1].loss, mine[-1].step
        parts = [
            f"{n} {self.live_steps[n]}/{self.total}"
            + (f" loss {self.live_loss[n]:.2f}" if self.live_loss[n] is not None else "")
            for n in ("A", "B")
        ]
        seconds = time.monotonic() - self.started_at
        self.set_status(f"Training… {'  ·  '.join(parts)}  ({seconds:.0f} s)  x stops.")

    def show_variant_eval(self, events: list[VariantEval]) -> None:
        for ev in events:
            self.query_one(LabCurves).set_legend(
                ev.name,
                f"{size(self.parameters.get(ev.name, 0))} · step {ev.eval.step}: "
                f"train {ev.eval.train_loss:.2f} val {ev.eval.val_loss:.2f}",
            )

    def show_variant_diverged(self, events: list[VariantDiverged]) -> None:
        self.warnings += [f"{e.name} diverged at step {e.step}: {e.reason}" for e in events]

    def show_comparison(self, index: int) -> None:
        done = self.comparisons[index]
        self.shown, self.total = index, done.steps
        self.query_one(LabResults).show(done)

    def show_comparison_done(self, events: list[ComparisonDone]) -> None:
        done = events[-1]
        self.comparisons.append(done)
        select = self.query_one("#lab-history", Select)
        select.set_options([(describe(i, c), i) for i, c in enumerate(self.comparisons)])
        self.state = "done"
        select.value = len(self.comparisons) - 1
        self.show_comparison(len(self.comparisons) - 1)
        seconds = time.monotonic() - self.started_at
        self.set_status(
            f"Done in {seconds:.0f} s: "
            + "  ·  ".join(f"{r.name} {losses(r)}" for r in done.results)
        )

    def job_ended(self, job: Job, end: JobEnd) -> None:
        if self.warnings:
            self.notify("; ".join(self.warnings), severity="warning")
        if end.outcome == "failed":
            self.notify(end.error, severity="error")
            if self.state == "running":
                self.state = "done" if self.comparisons else "idle"
                self.set_status(f"Could not compare: {end.error}")
                self.query_one("#lab-verdict", Static).update("")


def compare_in_worker(a: dict[str, Any], b: dict[str, Any], steps: int, threads: int | None):  # noqa: ANN201
    """compare's events for A and B, on the app's torch threads (run in the job's worker)."""
    from engine.compare import compare
    from engine.device import default_threads, use_threads

    use_threads(threads or default_threads("gpt"))
    return compare(Variant("A", a), Variant("B", b), steps=steps)
