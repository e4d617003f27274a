"""The lesson followed beside the panes: its state, the box that shows its step, and following.

The lesson being followed is app-level state, `app.lesson` (a `LessonState`, or absent): the
Lessons pane sets it when the learner presses g, and every pane then shows the step in a
`LessonSidebar`. The box sits beside the pane on a wide terminal and below it on a narrow one
(ctrl+t moves it), and ctrl+l folds it to a one-line strip that still follows: ctrl+n and
ctrl+r (or ctrl+b, which tmux takes) step on and back from any of the three.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Literal

from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, Markdown

if TYPE_CHECKING:
    from lessons.loader import Lesson, Step

Place = Literal["auto", "beside", "below"]
BESIDE_FROM_WIDTH = 100
"""On a terminal at least this wide an "auto" lesson sits beside the pane, else below it: at 80
columns a sidebar leaves the pane 50, narrower than a 50-token heatmap with its labels."""
KEYS = "^n next  ^r back  ^↓ more  ^l fold  ^t move"
STRIP_KEYS = "^n next  ^r back  ^l unfold"


@dataclass
class LessonState:
    """The lesson being followed beside the panes, its step (0-based), and where it shows."""

    lesson: Lesson
    step: int = 0
    place: Place = "auto"  # beside or below the pane; auto: as wide as the terminal allows
    folded: bool = False  # one line only, still following (ctrl+l)

    @property
    def current(self) -> Step:
        return self.lesson.steps[self.step]

    @property
    def where(self) -> str:
        return f"Lesson {self.lesson.number} · step {self.step + 1}/{len(self.lesson.steps)}"

    def placed(self, width: int) -> Literal["beside", "below"]:
        """Where the box goes on a terminal `width` columns wide."""
        if self.place != "auto":
            return self.place
        return "beside" if width >= BESIDE_FROM_WIDTH else "below"


def lesson_state(app: App) -> LessonState | None:
    return getattr(app, "lesson", None)


def record_seen(app: App, lesson: int, step: int, followed: bool = False) -> None:
    """Keep a step seen (`followed`: beside its pane) in the learner's progress (from a worker
    thread; a warning, never an exception, when it cannot be written)."""
    from engine.progress import record_step

    warning = record_step(lesson, step, followed)
    if warning:
        app.call_from_thread(app.notify, warning, severity="warning", timeout=8)


async def follow_step(
    app: App, state: LessonState, *, set_up: bool = True, stepped: bool = False
) -> None:
    """Make `state` the lesson followed and open its step's pane; `set_up` also sets the pane
    up for the step (a learner coming back to the step as they left it keeps their changes).
    `stepped`: reached from the step before, so only this step's own setup applies (what
    the learner did there stays); otherwise the pane gets what the lesson built up to it."""
    from tui.panes.base import PaneScreen

    app.lesson = state  # type: ignore[attr-defined] - app-level state, read by every pane
    step = state.current
    if app.current_mode != step.pane:
        await app.switch_mode(step.pane)
    screen = app.screen
    if isinstance(screen, PaneScreen):
        screen.show_lesson()
        screen.lesson_problems = []
    app.run_worker(
        partial(record_seen, app, state.lesson.number, state.step, True),
        thread=True,
        group="progress",
        exit_on_error=False,
    )
    if not set_up:
        return
    apply = getattr(screen, "apply_lesson", None)
    if apply is None:
        app.notify(f"The {step.pane} pane cannot be set up by a lesson.", severity="warning")
        return
    try:
        apply(dict(step.setup) if stepped else state.lesson.setup_through(state.step))
    except Exception as exc:  # a lesson must never end the app with a traceback
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        app.notify(f"Could not set up this step: {first}", severity="error")
        return
    if isinstance(screen, PaneScreen):
        screen.lesson_focus = step.focus
        screen.call_after_refresh(screen.bring_focus_into_view)


class LessonSidebar(Vertical):
    """The followed lesson's current step beside or below a pane: where, title, text, keys;
    folded, one line. Hidden unless a lesson is followed."""

    DEFAULT_CSS = """
    LessonSidebar {
        background: $surface;
    }
    LessonSidebar.-beside {
        dock: right;
        width: 35%;
        min-width: 30;
        max-width: 56;
        height: 1fr;
        /* docks share the screen's edges: start below the header and the pane tabs, and end
        the content above the footer (the widget runs on under it, out of sight) */
        margin-top: 2;
        padding: 0 0 3 1;
        border-left: vkey $accent;
    }
    .-short LessonSidebar.-beside {
        margin-top: 1;  /* no header on a short terminal: below the pane tabs only */
    }
    LessonSidebar.-below {
        dock: bottom;
        width: 1fr;
        height: 35%;
        min-height: 7;
        max-height: 14;
        margin-bottom: 1;  /* above the footer */
        padding: 0 1;
        border-top: hkey $accent;
    }
    LessonSidebar.-folded {
        dock: bottom;
        width: 1fr;
        height: 1;
        min-height: 1;
        margin: 0 0 1 0;
        padding: 0 1;
        border: none;
        background: $accent 20%;
    }
    LessonSidebar.-folded #lesson-side-scroll, LessonSidebar.-folded #lesson-side-keys {
        display: none;
    }
    LessonSidebar #lesson-side-head {
        height: auto;
    }
    LessonSidebar.-beside #lesson-side-head {
        layout: vertical;
    }
    LessonSidebar #lesson-side-where {
        color: $text-muted;
        width: auto;
        margin-right: 2;
    }
    LessonSidebar #lesson-side-title {
        text-style: bold;
        color: $accent;
        width: 1fr;
        height: auto;
    }
    LessonSidebar.-folded #lesson-side-title {
        height: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    LessonSidebar #lesson-side-scroll {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    LessonSidebar Markdown {
        margin: 0;
        padding: 0 1 0 0;
    }
    LessonSidebar #lesson-side-keys, LessonSidebar #lesson-side-strip-keys {
        color: $text-muted;
        height: auto;
    }
    LessonSidebar #lesson-side-keys {
        width: 1fr;  /* wraps in a narrow sidebar rather than losing a key */
    }
    LessonSidebar #lesson-side-strip-keys {
        width: auto;
    }
    LessonSidebar #lesson-side-strip-keys {
        display: none;
        margin-left: 2;
    }
    LessonSidebar.-folded #lesson-side-strip-keys {
        display: block;
    }
    """

    def __init__(self) -> None:
        super().__init__(id="lesson-sidebar")
        self.display = False
        self.shown: tuple[int, int] | None = None  # (lesson number, step) on show

    def compose(self) -> ComposeResult:
        with Horizontal(id="lesson-side-head"):
            yield Label("", id="lesson-side-where")
            yield Label("", id="lesson-side-title")
            yield Label(STRIP_KEYS, id="lesson-side-strip-keys")
        with VerticalScroll(id="lesson-side-scroll", can_focus=False):  # keys stay the pane's
            yield Markdown("", id="lesson-side-text")
        yield Label(KEYS, id="lesson-side-keys")

    def place(self, state: LessonState, width: int) -> None:
        """Beside, below or folded, as `state` says for a terminal `width` wide."""
        placed = state.placed(width)
        self.set_class(state.folded, "-folded")
        self.set_class(not state.folded and placed == "beside", "-beside")
        self.set_class(not state.folded and placed == "below", "-below")

    def show(self, state: LessonState) -> None:
        key = (state.lesson.number, state.step)
        if key == self.shown:
            return
        self.shown = key
        step = state.current
        self.query_one("#lesson-side-where", Label).update(state.where)
        self.query_one("#lesson-side-title", Label).update(step.title)
        self.query_one("#lesson-side-text", Markdown).update(step.text)
        self.query_one("#lesson-side-scroll", VerticalScroll).scroll_home(animate=False)
