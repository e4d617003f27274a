"""The Digits pane's settings: the book's hyper-parameters, as a compact form."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Input, Label, Select

from tui.widgets.form import SettingsError, choice

DEFAULTS = {
    "sizes": "784,30,10",
    "epochs": "30",
    "mini_batch_size": "10",
    "eta": "3.0",
    "seed": "0",
}
LABELS = {
    "sizes": "sizes",
    "epochs": "epochs",
    "mini_batch_size": "mini-batch",
    "eta": "eta",
    "seed": "seed",
}


class MLPSettings(Grid):
    """Reads as the learner types; `values()` turns the fields into MLPConfig arguments."""

    def compose(self) -> ComposeResult:
        for key, default in DEFAULTS.items():
            yield Label(LABELS[key])
            yield Input(default, id=f"set-{key}", compact=True, select_on_focus=True)
        yield Label("cost")
        costs = [("quadratic", "quadratic"), ("cross-entropy", "cross-entropy")]
        yield choice(costs, "quadratic", "set-cost")
        yield Label("data")
        yield choice([("bundled sample", "sample")], "sample", "set-data")

    def offer_full_mnist(self, where: str) -> None:
        """Add the full set to the data choices once it has been found."""
        select = self.query_one("#set-data", Select)
        select.set_options([("bundled sample", "sample"), (f"full MNIST ({where})", "mnist")])
        select.value = "mnist"

    def values(self) -> dict[str, Any]:
        def text(key: str) -> str:
            return self.query_one(f"#set-{key}", Input).value.strip()

        try:
            out: dict[str, Any] = {"sizes": tuple(int(p) for p in text("sizes").split(","))}
        except ValueError:
            raise SettingsError(
                f"sizes must be numbers separated by commas, like 784,30,10: {text('sizes')!r}"
            ) from None
        for key, kind in (("epochs", int), ("mini_batch_size", int), ("eta", float), ("seed", int)):
            try:
                out[key] = kind(text(key))
            except ValueError:
                raise SettingsError(f"{LABELS[key]} must be a number: {text(key)!r}") from None
        out["cost"] = self.query_one("#set-cost", Select).value
        out["data"] = self.query_one("#set-data", Select).value
        return out
