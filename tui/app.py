"""The learn-gpt app: one screen per pane, switched by tabs, number keys or the command palette.

PyTorch loads in a worker (a call of a `Job`, tui.jobs) after the first frame, so the app opens
at once; panes that need the engine watch `engine_ready`. The device is chosen there too ("auto"
asks torch what this machine has): once `engine_ready`, `app.device` is the one every pane builds
and loads its models on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import user_downloads_path
from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

import tui.widgets.option_list_paging  # noqa: F401 - guards every OptionList's paging
from tui.jobs import Job
from tui.panes.catalog import PANES, pane_screen

if TYPE_CHECKING:
    from tui.panes.lesson_beside import LessonState


class LearnGPTApp(App):
    TITLE = "learn-gpt"
    SUB_TITLE = "from Nielsen's digits to a GPT"
    CSS_PATH = "app.tcss"
    MODES = {name: pane_screen(name) for name in PANES}
    BINDINGS = [
        *(
            Binding(str(i), f"switch_mode('{name}')", PANES[name].title, show=False)
            for i, name in enumerate(PANES, start=1)
        ),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]
    engine_ready: reactive[bool] = reactive(False)
    lesson: LessonState | None = None  # followed beside the panes (tui.panes.lesson_beside)
    quitting = False  # set by exit(): input still queued is dropped

    def __init__(
        self,
        pane: str = "digits",
        threads: int | None = None,
        data_dir: str | None = None,
        device: str = "auto",
    ) -> None:
        super().__init__()
        self.first_pane = pane
        self.threads = threads
        self.data_dir = data_dir  # where to look for full data sets, beside the env and cache
        self.device = device  # as asked until the engine is ready, then the one in use

    def on_mount(self) -> None:
        self.switch_mode(self.first_pane)
        Job(self, "engine").call(self.load_engine, then=self._engine_loaded, failed=self._no_engine)

    def load_engine(self) -> str:
        """In a worker: import PyTorch and the engine, set the thread policy, and return the
        device to run on (DeviceError, ConfigError: one this machine cannot use)."""
        from engine.device import default_threads, pick_device, use_threads

        use_threads(default_threads("mlp") if self.threads is None else self.threads)
        device = pick_device(self.device)
        import engine.mlp_run  # noqa: F401 - the import is the slow part

        return device

    def _engine_loaded(self, device: str) -> None:
        self.device = device
        self.engine_ready = True

    def _no_engine(self, error: str) -> None:
        """Without the engine (or on a device it cannot use) no pane can work: say why in one
        line, as the command line does, rather than wait on "Loading PyTorch…"."""
        from rich.text import Text

        self.exit(return_code=1, message=Text(f"learn-gpt: {error}"))

    async def action_quit(self) -> None:
        """Quit, but ask first while a run is in progress: what it has not saved would go."""
        runs = running_work(self)
        if not runs:
            self.exit()
            return
        from tui.widgets.quit_confirm import QuitConfirm

        if not isinstance(self.screen, QuitConfirm):
            self.push_screen(QuitConfirm(runs), lambda quit_: self.exit() if quit_ else None)

    def exit(self, *args: Any, **kwargs: Any) -> None:
        self.quitting = True
        super().exit(*args, **kwargs)

    async def on_event(self, event: events.Event) -> None:
        """Once quitting has begun, keys and clicks still queued go nowhere: a key typed just
        after `q` ("q2") would otherwise open a pane while the app is being taken down."""
        if self.quitting and isinstance(event, events.InputEvent):
            return
        await super().on_event(event)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """Textual saves screenshots in ~/Downloads, which a server reached over SSH or a
        container often lacks (then it only said "Failed to save screenshot"): there if it is
        there, else in the working folder, where `runs/` goes too."""
        self.deliver_screenshot(filename, path or str(screenshot_folder()))

    @on(events.DeliveryFailed)
    def _screenshot_failed(self, event: events.DeliveryFailed) -> None:
        """Say why a screenshot could not be saved, instead of Textual's bare failure."""
        if event.name == "screenshot":
            event.prevent_default()
            self.notify(
                f"Could not save the screenshot: {event.exception}",
                title="Screenshot",
                severity="error",
            )

    def action_command_palette(self) -> None:
        from tui.widgets.modal import Palette

        if self.use_command_palette and not Palette.is_open(self):
            self.push_screen(Palette(id="--command-palette"))

    def action_help(self) -> None:
        from tui.widgets.help_screen import HelpScreen

        self.push_screen(HelpScreen(getattr(self.screen, "HELP", "") or "No help here."))

    def get_system_commands(self, screen: Screen):  # noqa: ANN201 - Textual's signature
        yield from super().get_system_commands(screen)
        for name, pane in PANES.items():
            yield SystemCommand(
                f"Open {pane.title}", pane.summary, lambda name=name: self.switch_mode(name)
            )
        yield SystemCommand(
            "Help for this pane", "What this pane does and its keys", self.action_help
        )
        yield from getattr(screen, "pane_commands", lambda: [])()


def running_work(app: App) -> list[str]:
    """One line per run in progress: the pane's own words (`busy_with()`) or its job's name."""
    lines = []
    for job in Job.running_in(app):
        screen = job.owner if isinstance(job.owner, Screen) else job.owner.screen
        said = getattr(screen, "busy_with", lambda: None)()
        pane = PANES.get(getattr(screen, "PANE", ""))
        title = pane.title if pane else "A pane"
        lines.append(f"{title}: {said or f'{job.name} is running'}")
    return list(dict.fromkeys(lines))


def screenshot_folder() -> Path:
    """Where a screenshot goes: the user's Downloads folder if there is one, else here."""
    downloads = user_downloads_path()
    return downloads if downloads.is_dir() else Path.cwd()
