"""The panes the app has, in tab order, and which screen shows each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from textual.screen import Screen


@dataclass(frozen=True)
class Pane:
    title: str
    summary: str


PANES: dict[str, Pane] = {
    "digits": Pane("Digits", "Train Nielsen's network and look inside it"),
    "attention": Pane("Attention", "Step through attention matrices"),
    "lab": Pane("Lab", "Train two variants side by side"),
    "sampling": Pane("Sampling", "Watch a GPT learn to write"),
    "lessons": Pane("Lessons", "From the digit network to GPT, step by step"),
    "build": Pane("Build", "The GPT of the lecture, rung by rung"),
    "copying": Pane("Copying", "Watch heads that copy form, and find them in a GPT"),
}


def pane_screen(name: str) -> Callable[[], Screen]:
    """A factory for the pane's screen (imported late, so the app starts quickly)."""

    def make() -> Screen:
        module = import_module(f"tui.panes.{name}.screen")
        return getattr(module, f"{name.title()}Screen")()

    return make
