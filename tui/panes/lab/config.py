"""One column of the Lab's settings: the attention variant a model is built with.

`values()` turns the fields into GPTConfig overrides for `engine.compare.Variant`; the custom
mask's editor appears under the column when "custom" is chosen. The choices are the engine's
own (`engine.variants`, which needs no PyTorch, so the pane composes before it has loaded).
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Select

from engine.variants import OFFERED_MASKS, POSITIONALS, SCORES, STANDARD
from tui.panes.lab.mask_editor import MaskEditor
from tui.widgets.widget_message import WidgetMessage

MASKS = (*OFFERED_MASKS, "custom")
HEADS = (1, 2, 4)
LABELS = {
    "score": "score",
    "mask": "mask",
    "positional": "positions",
    "residual": "residual",
    "dropout": "dropout",
    "n_head": "heads",
}


class LabSettingsError(ValueError):
    """A field does not parse; the message names the column and the field."""


def short_name(model: dict[str, Any]) -> str:
    """What sets a configuration apart from the standard GPT, in a few words."""
    parts = []
    for key, standard in STANDARD.items():
        value = model.get(key, standard)
        if value == standard:
            continue
        if key == "mask":
            parts.append("custom mask" if not isinstance(value, str) else value)
        elif key == "score":
            parts.append(f"{value} score")
        elif key == "positional":
            parts.append(f"{value} positions" if value != "none" else "no positions")
        elif key == "residual":
            parts.append("no residual")
        elif key == "dropout":
            parts.append(f"dropout {value:g}")
        else:
            parts.append(f"{value} head{'s' if value != 1 else ''}")
    return ", ".join(parts) or "standard"


class LabConfig(Vertical):
    """Settings for variant `variant` ("A" or "B")."""

    class Changed(WidgetMessage):
        """A setting of this column changed."""

    def __init__(
        self,
        variant: str,
        initial: dict[str, Any] | None = None,
        *,
        block_size: int = 32,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=f"lab-config series-{variant.lower()}")
        self.variant = variant
        self.initial = {**STANDARD, **(initial or {})}
        self.block_size = block_size
        self.key = variant.lower()

    def compose(self) -> ComposeResult:
        k, init = self.key, self.initial
        with Vertical(classes="lab-config-fields"):  # the name and fields: a lesson's focus
            yield Label(f"[b]{self.variant}[/b]", classes="lab-config-title")
            with Grid(classes="lab-config-grid"):
                for field, choices in (
                    ("score", SCORES),
                    ("mask", MASKS),
                    ("positional", POSITIONALS),
                ):
                    yield Label(LABELS[field])
                    yield Select(
                        [(c, c) for c in choices],
                        value=init[field] if isinstance(init[field], str) else "custom",
                        allow_blank=False,
                        id=f"{k}-{field}",
                        compact=True,
                    )
                yield Label(LABELS["residual"])
                yield Checkbox(
                    "add x + f(x)", value=bool(init["residual"]), id=f"{k}-residual", compact=True
                )
                yield Label(LABELS["dropout"])
                yield Input(
                    f"{init['dropout']:g}", id=f"{k}-dropout", compact=True, select_on_focus=True
                )
                yield Label(LABELS["n_head"])
                yield Select(
                    [(str(h), h) for h in HEADS],
                    value=int(init["n_head"]),
                    allow_blank=False,
                    id=f"{k}-n_head",
                    compact=True,
                )
        editor = MaskEditor(self.block_size, id=f"{k}-mask-editor")
        editor.display = not isinstance(init["mask"], str)
        yield editor

    @property
    def editor(self) -> MaskEditor:
        return self.query_one(MaskEditor)

    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(Input.Changed)
    @on(MaskEditor.Changed)
    def _changed(self, event: Message) -> None:
        if isinstance(event, Select.Changed) and event.select.id == f"{self.key}-mask":
            self.editor.display = event.value == "custom"
        self.post_message(self.Changed(self))

    def set_values(self, model: dict[str, Any]) -> None:
        """Show `model` (overrides of the standard GPT) in the fields."""
        values = {**STANDARD, **model}
        k = self.key
        for field in ("score", "positional"):
            self.query_one(f"#{k}-{field}", Select).value = values[field]
        mask = values["mask"]
        if not isinstance(mask, str):
            self.editor.set_matrix(mask)
            mask = "custom"
        self.query_one(f"#{k}-mask", Select).value = mask
        self.editor.display = mask == "custom"
        self.query_one(f"#{k}-residual", Checkbox).value = bool(values["residual"])
        self.query_one(f"#{k}-dropout", Input).value = f"{values['dropout']:g}"
        self.query_one(f"#{k}-n_head", Select).value = int(values["n_head"])

    def values(self) -> dict[str, Any]:
        """GPTConfig overrides; a custom mask as a tuple of tuples of bools."""
        k = self.key
        out: dict[str, Any] = {
            field: self.query_one(f"#{k}-{field}", Select).value
            for field in ("score", "mask", "positional", "n_head")
        }
        if out["mask"] == "custom":
            out["mask"] = self.editor.mask
        out["residual"] = self.query_one(f"#{k}-residual", Checkbox).value
        text = self.query_one(f"#{k}-dropout", Input).value.strip()
        try:
            dropout = float(text)
        except ValueError:
            raise LabSettingsError(
                f"{self.variant}: dropout must be a number from 0 up to (not including) 1, "
                f"got {text!r}"
            ) from None
        if not 0.0 <= dropout < 1.0:
            raise LabSettingsError(
                f"{self.variant}: dropout must be from 0 up to (not including) 1, got {text}"
            )
        out["dropout"] = dropout
        return out
