"""What every pane's screen shares: the header, the pane tabs, the footer, `?` help, and the
lesson followed beside it (tui.panes.lesson_beside), with what its step points at brought into
view (tui.panes.lesson_focus).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Header, Select, TabbedContent, TabPane
from textual.widgets.select import InvalidSelectValueError

from tui.panes.lesson_beside import LessonSidebar, follow_step, lesson_state
from tui.panes.lesson_focus import Target, hidden_part, scroll_into_view
from tui.widgets.pane_footer import PaneFooter
from tui.widgets.pane_tabs import PaneTabs

HEADER_FROM_HEIGHT = 30  # rows: a shorter terminal hides the header


def pane_help(module_file: str) -> str:
    """The pane's `?` text: help.md beside its screen module (content, kept out of the code),
    its figures marked as a lesson's are (lessons.loader) and read in bold."""
    from lessons.loader import read_marks

    path = Path(module_file).parent / "help.md"
    return read_marks(path.read_text(encoding="utf-8"), path.name)[0]


def open_tabs_around(widget: Widget) -> None:
    """Make every tab that holds `widget` the active one of its TabbedContent. Keyboard focus
    left in a tab this hides moves into the tab opened, so that keys keep reaching what shows
    (focus in a hidden tab would open that tab again)."""
    tab_pane: TabPane | None = None
    for ancestor in widget.ancestors:
        if isinstance(ancestor, TabPane):
            tab_pane = ancestor
        elif isinstance(ancestor, TabbedContent) and tab_pane is not None:
            if ancestor.active != tab_pane.id:
                hides_focus = _in_other_tab(widget.screen.focused, ancestor, tab_pane)
                ancestor.active = tab_pane.id or ""
                if hides_focus:
                    first = next((w for w in tab_pane.query("*") if w.focusable), None)
                    if first is not None:
                        first.focus(scroll_visible=False)
            tab_pane = None


def _in_other_tab(focused: Widget | None, tabs: TabbedContent, opened: TabPane) -> bool:
    """Whether `focused` sits in one of `tabs`' panes other than `opened` (not on its tab bar)."""
    if focused is None or opened in focused.ancestors_with_self:
        return False
    for ancestor in focused.ancestors_with_self:
        if ancestor is tabs:
            return False
        if isinstance(ancestor, TabPane) and tabs in ancestor.ancestors:
            return True
    return False


class PaneScreen(Screen):
    PANE = ""
    HELP = ""
    LESSON_SIDEBAR = True  # show the followed lesson beside this pane
    BUTTON_PREFIX = ""  # a button with id PREFIX + NAME runs action_NAME
    FOCI: dict[str, str] = {}  # a lesson's focus name -> the widget showing it (a selector)
    BINDINGS = [
        Binding("ctrl+n", "lesson_step(1)", "Next lesson step", show=False),
        Binding("ctrl+r,ctrl+b", "lesson_step(-1)", "Previous lesson step", show=False),
        Binding("ctrl+l", "lesson_fold", "Fold or unfold the lesson", show=False),
        Binding("ctrl+t", "lesson_move", "Lesson beside or below", show=False),
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
    lesson_focus: tuple[str, ...] = ()  # what the step followed points at (its focus names)

    @on(events.ScreenResume)
    @on(events.Resize)
    def _fit_to_size(self) -> None:
        """The lesson placed for this size, and the header's row given to the pane on a
        short terminal (its title is the app's name: the pane tabs say where you are)."""
        short = self.size.height < HEADER_FROM_HEIGHT
        self.set_class(short, "-short")  # the docks below the header move up (app.tcss)
        self.query_one(Header).display = not short
        self.show_lesson()

    def show_lesson(self) -> None:
        """Show or hide the lesson box as `app.lesson` says, beside, below or folded."""
        if not self.LESSON_SIDEBAR:
            return
        sidebars = list(self.query(LessonSidebar))
        if not sidebars:
            return
        sidebar = sidebars[0]
        state = lesson_state(self.app)
        sidebar.display = state is not None
        if state is not None:
            sidebar.place(state, self.size.width)
            sidebar.show(state)

    # -- what the step points at -------------------------------------------------------------
    def focus_targets(self, name: str) -> list[Target]:
        """Where the focus `name` is on this pane: by default the widget FOCI names; a pane
        overrides this for a part of a widget (a heatmap's row). KeyError: not a name here."""
        return [Target(self.query_one(self.FOCI[name]), what=name)]

    def focus_names(self) -> set[str]:
        return set(self.FOCI)

    def bring_focus_into_view(self) -> None:
        """Open the tabs holding the step's focus and scroll each part of it into view, the
        first named last so that it wins where they cannot all show."""
        for name in reversed(self.lesson_focus):
            try:
                targets = self.focus_targets(name)
            except (KeyError, LookupError, NoMatches):
                continue  # not there yet (a view still loading): the pane calls again
            for target in reversed(targets):
                open_tabs_around(target.widget)
                self.call_after_refresh(scroll_into_view, target)

    def keep_focus_in_view(self, *names: str) -> None:
        """A view the step points at has new content (an epoch's line, a run's verdict):
        bring the focus into view again, after the layout has taken the new content in."""
        if any(name in self.lesson_focus for name in names):
            self.call_after_refresh(self.bring_focus_into_view)

    def focus_hidden(self) -> list[str]:
        """What of the step's focus is not in view now, one line each (none: all of it is)."""
        covers = [
            *self.query(LessonSidebar),
            *self.query(PaneFooter),
            *self.query(Header),
            *self.query(PaneTabs),
        ]
        problems = []
        for name in self.lesson_focus:
            for target in self.focus_targets(name):
                problem = hidden_part(self, target, covers)
                if problem:
                    problems.append(problem)
        return problems

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
        if state is None:
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
        await follow_step(self.app, state, stepped=delta == 1)

    def lesson_scroll_box(self) -> VerticalScroll | None:
        """Where the lesson's text scrolls on this screen (the sidebar's, if it has one)."""
        return next(iter(self.query("#lesson-side-scroll").results(VerticalScroll)), None)

    def action_lesson_scroll(self, direction: int) -> None:
        scroll = self.lesson_scroll_box()
        if scroll is not None and direction > 0:
            scroll.scroll_page_down(animate=False)
        elif scroll is not None:
            scroll.scroll_page_up(animate=False)

    def action_lesson_fold(self) -> None:
        """Fold the lesson to a one-line strip that keeps following, or unfold it."""
        state = lesson_state(self.app)
        if state is None:
            self.app.switch_mode("lessons")
            return
        state.folded = not state.folded
        self.show_lesson()

    def action_lesson_move(self) -> None:
        """Move the lesson from beside the pane to below it, or back."""
        state = lesson_state(self.app)
        if state is None:
            return
        state.place = "below" if state.placed(self.size.width) == "beside" else "beside"
        state.folded = False
        self.show_lesson()
