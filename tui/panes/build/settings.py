"""The Build pane's settings: which rungs, how many steps, which text and seed, and the folder
of the learner's own pieces. Only parsed here; the engine checks the rungs and steps."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Select

from tui.panes.build.work import LadderSettings
from tui.panes.sampling.settings import CORPORA, CORPUS_TITLES
from tui.widgets.form import SettingsError, choice, whole

FULL = "full"  # the steps field's word for the lecture's own settings
FIELDS = {  # input id suffix: (label, default, placeholder, width)
    "rungs": ("rungs", "1-6", "1-6", 6),
    "iters": ("steps", "1500", "or full", 6),
    "seed": ("seed", "1337", "", 6),
}


def corpus_options(corpora: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(CORPUS_TITLES.get(name, name), name) for name in corpora]


class BuildSettings(Horizontal):
    """One row: rungs, steps, corpus, seed; the mine folder goes in its own row."""

    def compose(self) -> ComposeResult:
        for key, (title, default, placeholder, width) in FIELDS.items():
            yield Label(title, classes="build-field-label")
            field = Input(
                default,
                placeholder=placeholder,
                id=f"build-{key}",
                compact=True,
                select_on_focus=True,
            )
            field.styles.width = width + 2
            yield field
        yield Label("corpus", classes="build-field-label")
        yield choice(corpus_options(CORPORA), "sample", "build-corpus")

    def offer(self, corpora: tuple[str, ...]) -> None:
        """The engine's own corpora, once it has loaded."""
        if set(corpora) != set(CORPORA):
            self.query_one("#build-corpus", Select).set_options(corpus_options(corpora))

    def set_fields(self, values: dict[str, Any]) -> None:
        """Fill the fields a lesson step names (rungs, iters, seed; an iters of None or
        "full" is the lecture's steps)."""
        for key, value in values.items():
            if key in FIELDS:
                text = FULL if key == "iters" and value in (None, FULL) else str(value)
                self.query_one(f"#build-{key}", Input).value = text

    def values(self) -> LadderSettings:
        """The ladder's settings; SettingsError names the first field that is wrong."""
        rungs = self.query_one("#build-rungs", Input).value.strip()
        iters = self.query_one("#build-iters", Input).value.strip().lower()
        seed = whole(self.query_one("#build-seed", Input).value, "seed", minimum=0)
        if not rungs:
            raise SettingsError("rungs: write rungs like 1-6, 3 or 1,4-5")
        return LadderSettings(
            rungs=rungs,
            iters=None if iters == FULL else whole(iters, "steps (or full)", minimum=1),
            corpus=str(self.query_one("#build-corpus", Select).value),
            seed=int(seed or 0),
        )
