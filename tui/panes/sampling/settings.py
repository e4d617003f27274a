"""The Sampling pane's settings: what to train, and how to sample (which applies live).

Nothing here imports torch: the preset and corpus choices are offered as the engine names them
once it has loaded (`offer`), and the numbers are only parsed here; the engine checks them.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Input, Label, Select

from tui.widgets.form import choice, number, whole

PRESETS = ("tiny", "cpu")  # until the engine says otherwise
CORPORA = ("sample", "shakespeare", "tinyshakespeare")
CORPUS_TITLES = {
    "sample": "bundled sample",
    "shakespeare": "Shakespeare",
    "tinyshakespeare": "tiny Shakespeare",
}
FIELDS = {  # input id suffix: (label, default, placeholder)
    "max-steps": ("max steps", "", "preset's"),
    "every": ("sample every", "100", "steps"),
    "temperature": ("temperature", "0.8", "0 = greedy"),
    "top-k": ("top-k", "", "none"),
    "top-p": ("top-p", "", "none"),
    "prompt": ("prompt", "ROMEO:", "empty = a newline"),
}
LIVE = ("every", "temperature", "top-k", "top-p", "prompt")  # read again at every sample


def _corpus_options(corpora: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(CORPUS_TITLES.get(name, name), name) for name in corpora]


class SamplingSettings(Grid):
    def compose(self) -> ComposeResult:
        yield Label("preset")
        yield choice([(p, p) for p in PRESETS], "tiny", "samp-preset")
        yield Label("corpus")
        yield choice(_corpus_options(CORPORA), "sample", "samp-corpus")
        for key, (title, default, placeholder) in FIELDS.items():
            yield Label(title)
            yield Input(
                default,
                placeholder=placeholder,
                id=f"samp-{key}",
                compact=True,
                select_on_focus=True,
            )

    def offer(self, presets: tuple[str, ...], corpora: tuple[str, ...]) -> None:
        """The engine's own choices, once it has loaded."""
        preset = self.query_one("#samp-preset", Select)
        if set(presets) != set(PRESETS):
            current = preset.value
            preset.set_options([(p, p) for p in presets])
            preset.value = current if current in presets else presets[0]
        if set(corpora) != set(CORPORA):
            self.query_one("#samp-corpus", Select).set_options(_corpus_options(tuple(corpora)))

    def text(self, key: str) -> str:
        return self.query_one(f"#samp-{key}", Input).value

    def set_text(self, key: str, value: str) -> None:
        self.query_one(f"#samp-{key}", Input).value = value

    def set_fields(self, values: dict[str, Any]) -> None:
        """Fill the text fields named in `values` (max_steps, every, temperature, top_k,
        top_p, prompt; a top_k or top_p of 0, "" or None is none), as a lesson step asks."""
        for key, value in values.items():
            field = key.replace("_", "-")
            none = key in ("top_k", "top_p") and value in (0, "", None)
            if field in FIELDS:
                self.set_text(field, "" if none else str(value))

    def live(self) -> dict[str, Any]:
        """The settings that apply while training: sample interval, temperature, top-k, top-p,
        prompt."""
        return {
            "every": whole(self.text("every"), "sample every", minimum=1),
            "temperature": number(self.text("temperature"), "temperature"),
            "top_k": whole(self.text("top-k"), "top-k", blank=True),
            "top_p": number(self.text("top-p"), "top-p") if self.text("top-p").strip() else None,
            "prompt": self.text("prompt"),
        }

    def values(self) -> dict[str, Any]:
        """Everything needed to start a run; SettingsError names the first field that is wrong."""
        return {
            "preset": self.query_one("#samp-preset", Select).value,
            "corpus": self.query_one("#samp-corpus", Select).value,
            "max_steps": whole(self.text("max-steps"), "max steps", minimum=1, blank=True),
            **self.live(),
        }
