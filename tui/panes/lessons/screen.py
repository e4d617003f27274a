"""The Lessons pane: the course from the digit network to GPT, one step at a time.

The list on the left holds the lessons (files in `lessons/`); the right shows the chosen
lesson's current step. `g` (or enter) follows the step: it opens the pane the step uses, sets
it up (`apply_lesson`), and shows the step beside it in the lesson sidebar, where ctrl+n and
ctrl+r carry on. Reading here moves only this pane's cursor; what the sidebar shows is what was
last set up. `g` on the step already followed goes back to its pane as the learner left it
(their own changes kept); `G` sets it up afresh.

The steps seen are kept in the learner's progress (engine.progress) and counted in the list
("2/5", then ✓). A step counts as seen once the learner moves to it or from it with n or b,
follows it with g, or comes back to it from the sidebar; looking over the list marks nothing.
The file is written in a worker thread, and a problem with it is one notification.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, Markdown, OptionList
from textual.widgets.option_list import Option

from tui.panes.base import PaneScreen, pane_help
from tui.panes.catalog import PANES
from tui.panes.lesson_beside import LessonState, follow_step, lesson_state, record_seen

if TYPE_CHECKING:
    from lessons.loader import Lesson

HELP = pane_help(__file__)


class LessonsScreen(PaneScreen):
    PANE = "lessons"
    HELP = HELP
    CSS_PATH = "lessons.tcss"
    LESSON_SIDEBAR = False
    BINDINGS = [
        Binding("n,right", "step(1)", "Next step"),
        Binding("b,left", "step(-1)", "Back"),
        Binding("g,enter", "go", "Go"),
        Binding("G", "go(True)", "Set up afresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(name="lessons")
        self.lessons: list = []  # lessons.loader.Lesson
        self.error = ""
        self.index = 0  # the lesson shown
        self.step = 0  # its step shown
        self.steps_at: dict[int, int] = {}  # lesson number -> the step last shown
        self.synced: tuple[int, int] | None = None  # app.lesson as last followed here
        self.seen: dict[int, set[int]] = {}  # lesson number -> the steps seen, kept in progress
        self.progress_warning: str | None = None  # from loading the progress, shown on mount
        self.resumed_at: tuple[int, int] | None = None  # (index, step) followed last time

    # -- layout ------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        from engine.progress import load
        from lessons.loader import LessonError, load_lessons

        try:
            self.lessons = load_lessons()
        except LessonError as exc:
            self.error = str(exc)
        progress, self.progress_warning = load()
        self.seen = {lesson: set(steps) for lesson, steps in progress.steps.items()}
        self.carry_on(progress.followed)
        with Horizontal(id="lessons-body"):
            yield OptionList(
                *(Option(self.list_prompt(s), id=str(s.number)) for s in self.lessons),
                id="lessons-list",
            )
            with Vertical(id="lesson-main"):
                yield Label("", id="lesson-where")
                with VerticalScroll(id="lesson-scroll"):
                    yield Markdown("", id="lesson-text")
                yield Label("", id="lesson-keys")

    def carry_on(self, followed: tuple[int, int] | None) -> None:
        """Open at the step last followed beside a pane, in this run of the app or before."""
        if followed is None:
            return
        lesson, step = followed
        index = next((i for i, s in enumerate(self.lessons) if s.number == lesson), None)
        if index is not None and step < len(self.lessons[index].steps):
            self.index, self.step = index, step
            self.steps_at[lesson] = step
            self.resumed_at = (index, step)

    def on_mount(self) -> None:
        if self.progress_warning:
            self.notify(self.progress_warning, severity="warning", timeout=8)
        if self.error or not self.lessons:
            self.query_one("#lesson-where", Label).update("No lessons to show")
            self.query_one("#lesson-text", Markdown).update(
                self.error or "No lesson files were found in `lessons/`."
            )
            return
        self.query_one(OptionList).highlighted = self.index
        self.query_one(OptionList).focus()
        self.show_step()

    # -- showing -----------------------------------------------------------------------------
    def list_prompt(self, lesson: Lesson) -> Text:
        """The lesson's line in the list: number, title, and how many of its steps were seen."""
        total = len(lesson.steps)
        seen = len({s for s in self.seen.get(lesson.number, ()) if s < total})
        if seen == total:
            mark = (" ✓", "green")
        else:
            mark = (f" {seen}/{total}" if seen else "", "dim")
        return Text.assemble(f"{lesson.number} {lesson.title}", mark)

    def mark_seen(self, step: int) -> None:
        """Count `step` of the lesson shown as seen: in the list now, in the progress file from
        a worker thread (a warning, never an exception, if it cannot be written)."""
        lesson = self.lesson
        seen = self.seen.setdefault(lesson.number, set())
        if step in seen:
            return
        seen.add(step)
        self.query_one(OptionList).replace_option_prompt(
            str(lesson.number), self.list_prompt(lesson)
        )
        self.run_worker(
            partial(record_seen, self.app, lesson.number, step),
            thread=True,
            group="progress",
            exit_on_error=False,
        )

    @property
    def lesson(self):  # noqa: ANN201 - lessons.loader.Lesson
        return self.lessons[self.index]

    def show_step(self) -> None:
        lesson = self.lesson
        step = lesson.steps[self.step]
        pane = PANES[step.pane].title
        self.query_one("#lesson-where", Label).update(
            f"[b]Lesson {lesson.number}[/b] · step {self.step + 1} of {len(lesson.steps)}"
            f" · {pane} pane"
        )
        text = f"## {step.title}\n\n{step.text}"
        if self.step == 0 and lesson.summary:
            text = f"*{lesson.summary}*\n\n{text}"
        self.query_one("#lesson-text", Markdown).update(text)
        self.query_one("#lesson-scroll", VerticalScroll).scroll_home(animate=False)
        keys = f"[b]g[/b] set up {pane}  [b]n[/b] next  [b]b[/b] back  [b]^↓[/b] more"
        if self.resumed_at == (self.index, self.step):
            keys = f"Where you were last time: [b]g[/b] carries on.  {keys}"
        self.query_one("#lesson-keys", Label).update(keys)

    def show_lesson(self) -> None:
        """Coming back here: if the lesson followed beside the panes has moved on since it was
        last followed from here, show where it is now."""
        state = lesson_state(self.app)
        if state is None or not self.lessons:
            return
        now = (state.lesson.number, state.step)
        if now == self.synced:
            return
        self.synced = now
        index = next((i for i, s in enumerate(self.lessons) if s.number == now[0]), None)
        if index is None:
            return
        self.index, self.step = index, now[1]
        self.steps_at[now[0]] = now[1]
        self.query_one(OptionList).highlighted = index
        self.show_step()
        self.mark_seen(self.step)

    @on(OptionList.OptionHighlighted, "#lessons-list")
    def on_lesson_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if not self.lessons or event.option_index == self.index:
            return
        self.steps_at[self.lesson.number] = self.step
        self.index = event.option_index
        self.step = self.steps_at.get(self.lesson.number, 0)
        self.show_step()

    @on(OptionList.OptionSelected, "#lessons-list")
    async def on_lesson_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on the list: go."""
        if event.option_index != self.index:
            self.on_lesson_highlighted(event)  # type: ignore[arg-type] - the same fields
        await self.action_go()

    # -- actions -----------------------------------------------------------------------------
    def action_step(self, delta: int) -> None:
        if not self.lessons:
            return
        step = self.step + delta
        if 0 <= step < len(self.lesson.steps):
            self.mark_seen(self.step)  # the step read before the key
            self.step = step
            self.steps_at[self.lesson.number] = step
            self.show_step()
            self.mark_seen(step)
        elif step >= len(self.lesson.steps) and self.index + 1 < len(self.lessons):
            self.notify(f"End of lesson {self.lesson.number}: ↓ for the next lesson.", timeout=3)

    async def action_go(self, afresh: bool = False) -> None:
        """Follow the step shown; the one already followed is not set up again unless asked,
        so that what the learner changed there stays."""
        if not self.lessons:
            return
        followed = lesson_state(self.app)
        same = followed is not None and (followed.lesson.number, followed.step) == (
            self.lesson.number,
            self.step,
        )
        state = followed if same and followed is not None else LessonState(self.lesson, self.step)
        if followed is not None and not same:
            state.place, state.folded = followed.place, followed.folded
        self.synced = (self.lesson.number, self.step)
        self.resumed_at = None
        self.mark_seen(self.step)
        await follow_step(self.app, state, set_up=afresh or not same)
        if same and not afresh:
            self.app.notify("Back as you left it: G in the Lessons sets the step up afresh.")

    async def action_lesson_step(self, delta: int) -> None:
        self.action_step(delta)

    def lesson_scroll_box(self) -> VerticalScroll:
        return self.query_one("#lesson-scroll", VerticalScroll)

    def action_lesson_fold(self) -> None:
        """ctrl+l here: back to the pane the followed lesson is on, if any."""
        state = lesson_state(self.app)
        if state is not None:
            self.app.switch_mode(state.current.pane)
