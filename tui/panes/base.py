"""What every pane's screen shares: the header, the pane tabs, the footer, `?` help, and the
lesson sidebar.

The lesson being followed is app-level state, `app.lesson` (a `LessonState`, or absent): the
Lessons pane sets it when the learner presses g, and every pane then shows the step beside
itself in a `LessonSidebar`, where ctrl+n / ctrl+b step on or back (setting the step's pane up)
and ctrl+l hides the sidebar (pressed again, it returns to the Lessons pane).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Header, Label, Markdown, Select
from textual.widgets.select import InvalidSelectValueError

from tui.widgets.pane_footer import PaneFooter
from tui.widgets.pane_tabs import PaneTabs

if TYPE_CHECKING:
    from lessons.loader import Lesson, Step


@dataclass
class LessonState:
    """The lesson being followed beside the panes, and its step (0-based)."""

    lesson: Lesson
    step: int = 0
    beside: bool = True  # the sidebar shows; ctrl+l hides it

    @property
    def current(self) -> Step:
        return self.lesson.steps[self.step]

    @property
    def where(self) -> str:
        return f"Lesson {self.lesson.number} · step {self.step + 1}/{len(self.lesson.steps)}"


def pane_help(module_file: str) -> str:
    """The pane's `?` text: help.md beside its screen module (content, kept out of the code),
    its figures marked as a lesson's are (lessons.loader) and read in bold."""
    from lessons.loader import read_marks

    path = Path(module_file).parent / "help.md"
    return read_marks(path.read_text(encoding="utf-8"), path.name)[0]


def lesson_state(app: App) -> LessonState | None:
    return getattr(app, "lesson", None)


async def follow_step(app: App, state: LessonState) -> None:
    """Make `state` the lesson followed, open its step's pane and set the pane up for it."""
    app.lesson = state  # type: ignore[attr-defined] - app-level state, read by every pane
    state.beside = True
    step = state.current
    if app.current_mode != step.pane:
        await app.switch_mode(step.pane)
    screen = app.screen
    if isinstance(screen, PaneScreen):
        screen.show_lesson()
        screen.lesson_problems = []
    app.run_worker(
        partial(record_seen, app, state.lesson.number, state.step),
        thread=True,
        group="progress",
        exit_on_error=False,
    )
    apply = getattr(screen, "apply_lesson", None)
    if apply is None:
        app.notify(f"The {step.pane} pane cannot be set up by a lesson.", severity="warning")
        return
    try:
        apply(dict(step.setup))
    except Exception as exc:  # a lesson must never end the app with a traceback
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        app.notify(f"Could not set up this step: {first}", severity="error")


def record_seen(app: App, lesson: int, step: int) -> None:
    """Keep a step followed beside a pane in the learner's progress (from a worker thread; a
    warning, never an exception, when it cannot be written)."""
    from engine.progress import record_step

    warning = record_step(lesson, step)
    if warning:
        app.call_from_thread(app.notify, warning, severity="warning", timeout=8)


class LessonSidebar(Vertical):
    """The followed lesson's current step, beside a pane: title, text, keys. Hidden unless a
    lesson is followed."""

    DEFAULT_CSS = """
    LessonSidebar {
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
        background: $surface;
    }
    LessonSidebar #lesson-side-where {
        color: $text-muted;
        width: 1fr;
    }
    LessonSidebar #lesson-side-title {
        text-style: bold;
        color: $accent;
        width: 1fr;
        height: auto;
    }
    LessonSidebar #lesson-side-scroll {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    LessonSidebar Markdown {
        margin: 0;
        padding: 0 1 0 0;
    }
    LessonSidebar #lesson-side-keys {
        color: $text-muted;
        width: 1fr;
        height: auto;
    }
    """

    def __init__(self) -> None:
        super().__init__(id="lesson-sidebar")
        self.display = False
        self.shown: tuple[int, int] | None = None  # (lesson number, step) on show

    def compose(self) -> ComposeResult:
        yield Label("", id="lesson-side-where")
        yield Label("", id="lesson-side-title")
        with VerticalScroll(id="lesson-side-scroll", can_focus=False):  # keys stay the pane's
            yield Markdown("", id="lesson-side-text")
        yield Label("^n next  ^b back  ^↓ more  ^l hide", id="lesson-side-keys")

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


class PaneScreen(Screen):
    PANE = ""
    HELP = ""
    LESSON_SIDEBAR = True  # show the followed lesson beside this pane
    BUTTON_PREFIX = ""  # a button with id PREFIX + NAME runs action_NAME
    BINDINGS = [
        Binding("ctrl+n", "lesson_step(1)", "Next lesson step", show=False),
        Binding("ctrl+b", "lesson_step(-1)", "Previous lesson step", show=False),
        Binding("ctrl+l", "lesson_hide", "Hide the lesson", show=False),
        Binding("ctrl+down", "lesson_scroll(1)", "Scroll the lesson", show=False),
        Binding("ctrl+up", "lesson_scroll(-1)", "Scroll the lesson", show=False),
    ]

    lesson_problems: list[str]  # what the last lesson setup could not do (for tests, too)

    def compose(self) -> ComposeResult:
        yield Header()
        yield PaneTabs(self.PANE)
        yield from self.compose_body()
        if self.LESSON_SIDEBAR:
            yield LessonSidebar()
        yield PaneFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def _forward_event(self, event: events.Event) -> None:
        """Drop a mouse press on a widget removed since the last layout (the lesson text
        between steps, a heatmap of a head redrawn): it hits nothing. Textual 8.2.8 would
        start a text selection in it and crash on the detached widget's missing parent."""
        if isinstance(event, events.MouseDown):
            widget, _ = self.get_widget_and_offset_at(event.x, event.y)
            if widget is not None and widget is not self and widget.parent is None:
                return
        super()._forward_event(event)

    @on(Button.Pressed)
    def _button_action(self, event: Button.Pressed) -> None:
        """A button named after one of the pane's actions runs it, as its key would."""
        name = (event.button.id or "").removeprefix(self.BUTTON_PREFIX).replace("-", "_")
        action = getattr(self, f"action_{name}", None)
        if action is not None:
            event.stop()
            action()

    def enable_buttons(self, **enabled: bool) -> None:
        """Enable or disable the buttons named (without the prefix) as the pane's state says."""
        for name, on_ in enabled.items():
            self.query_one(f"#{self.BUTTON_PREFIX}{name}", Button).disabled = not on_

    def pane_commands(self) -> list:
        """Extra command-palette entries while this pane is showing."""
        return []

    # -- the lesson beside the pane ----------------------------------------------------------
    @on(events.ScreenResume)
    def _lesson_on_resume(self) -> None:
        self.show_lesson()

    def show_lesson(self) -> None:
        """Show or hide the sidebar as `app.lesson` says."""
        if not self.LESSON_SIDEBAR:
            return
        sidebars = list(self.query(LessonSidebar))
        if not sidebars:
            return
        sidebar = sidebars[0]
        state = lesson_state(self.app)
        sidebar.display = state is not None and state.beside
        if sidebar.display:
            sidebar.show(state)

    def lesson_problem(self, text: str) -> None:
        """A lesson setup asked for something this pane cannot do: one line, and go on."""
        if not hasattr(self, "lesson_problems"):
            self.lesson_problems = []
        self.lesson_problems.append(text)
        self.notify(text, severity="warning", timeout=6)

    def lesson_keys(self, setup: dict[str, Any], known: tuple[str, ...]) -> dict[str, Any]:
        """The setup's keys this pane knows; each other key is one warning, then ignored."""
        for key in setup:
            if key not in known:
                title = self.PANE.title() or "This"
                self.lesson_problem(
                    f"The {title} pane has no lesson setting {key!r} (it knows "
                    f"{', '.join(known)}); ignored."
                )
        return {key: value for key, value in setup.items() if key in known}

    def lesson_select(self, select: Select, value: Any, what: str) -> bool:
        """Choose `value` in `select`, or say (one warning) that it is not a choice there."""
        try:
            select.value = value
        except InvalidSelectValueError:
            self.lesson_problem(f"{self.PANE.title()}: {what} {value!r} is not a choice here.")
            return False
        return True

    async def action_lesson_step(self, delta: int) -> None:
        state = lesson_state(self.app)
        if state is None or not state.beside:
            self.notify("No lesson is being followed: 5 opens the Lessons.", timeout=3)
            return
        step = state.step + delta
        if step >= len(state.lesson.steps):
            self.notify(
                f"That was the last step of lesson {state.lesson.number}: 5 opens the Lessons.",
                timeout=4,
            )
            return
        if step < 0:
            self.notify("This is the lesson's first step.", timeout=3)
            return
        state.step = step
        await follow_step(self.app, state)

    def lesson_scroll_box(self) -> VerticalScroll | None:
        """Where the lesson's text scrolls on this screen (the sidebar's, if it has one)."""
        return next(iter(self.query("#lesson-side-scroll").results(VerticalScroll)), None)

    def action_lesson_scroll(self, direction: int) -> None:
        scroll = self.lesson_scroll_box()
        if scroll is not None and direction > 0:
            scroll.scroll_page_down(animate=False)
        elif scroll is not None:
            scroll.scroll_page_up(animate=False)

    def action_lesson_hide(self) -> None:
        state = lesson_state(self.app)
        if state is not None and state.beside:
            state.beside = False
            self.show_lesson()
        else:
            self.app.switch_mode("lessons")
