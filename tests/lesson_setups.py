"""Whether a lesson step's setup shows on its pane: at least one field per pane shows what
the setup asked for (all of them, here)."""

from __future__ import annotations

from textual.widgets import Input, Select, TabbedContent


def took_effect(screen, setup: dict) -> bool:
    """At least one field per pane shows what the setup asked for (all of them, here)."""
    pane = screen.PANE
    if pane == "digits":
        tabs = {"train": "tab-train", "gallery": "tab-gallery", "shapes": "tab-shapes"}
        tabs |= {"neurons": "tab-neurons", "draw": "tab-draw"}
        ok = "tab" not in setup or screen.query_one(TabbedContent).active == tabs[setup["tab"]]
        for key, value in setup.get("settings", {}).items():
            ok = ok and str(screen.query_one(f"#set-{key}").value) == str(value)
        return ok
    if pane == "attention":
        look = screen.inspection
        if look is None or screen._lesson_view is not None or screen._lesson_waiting:
            return False
        checks = [
            ("sentence", screen.query_one("#att-sentence", Input).value),
            ("model", screen.model_name),
            ("score", look.score),
            ("mask", look.mask),
            ("stage", screen.stage),
            ("head", screen.head),
            ("layer", screen.layer),
            ("row", screen.row if setup.get("row", 0) >= 0 else screen.row - len(look.tokens)),
        ]
        if "words" in setup:
            from engine.tasks.numbers import source_tokens
            from tui.panes.attention.translation_view import TranslationView

            shown = screen.query_one(TranslationView).translation
            if shown is None or shown.words != source_tokens(setup["words"]):
                return False
        if "tab" in setup:
            tabs = {"stages": "att-stages", "heads": "att-heads", "embed": "att-embed"}
            active = screen.query_one("#att-tabs", TabbedContent).active
            if active != (tabs | {"translate": "att-translate"})[setup["tab"]]:
                return False
        return all(setup[key] == value for key, value in checks if key in setup)
    if pane == "lab":
        from tui.panes.lab.config import STANDARD

        for name in ("a", "b"):
            if name in setup and screen.query_one(f"#config-{name}").values() != {
                **STANDARD,
                **setup[name],
            }:
                return False
        return "steps" not in setup or screen.query_one("#lab-steps", Input).value == str(
            setup["steps"]
        )
    if pane == "sampling":
        fields = {"temperature": "temperature", "every": "every", "prompt": "prompt"}
        ok = all(
            screen.query_one(f"#samp-{field}", Input).value == str(setup[key])
            for key, field in fields.items()
            if key in setup
        )
        if "top_k" in setup:
            ok = ok and screen.query_one("#samp-top-k", Input).value == (
                str(setup["top_k"]) if setup["top_k"] else ""
            )
        if "preset" in setup:
            ok = ok and screen.query_one("#samp-preset", Select).value == setup["preset"]
        return ok
    if pane == "build":
        from tui.panes.build.table import LadderTable

        values = screen.query_one("#build-settings").values()
        ok = all(
            getattr(values, key) == setup[key] for key in ("rungs", "iters", "seed") if key in setup
        )
        if "mine" in setup:
            ok = ok and screen.query_one("#build-mine", Input).value == setup["mine"]
        if "select" in setup:
            ok = ok and screen.query_one(LadderTable).selected() == setup["select"]
        return ok
    if pane == "copying":
        tabs = {"train": "copy-train", "heads": "copy-heads", "inside": "copy-inside"}
        ok = "tab" not in setup or screen.query_one("#copy-tabs").active == tabs[setup["tab"]]
        if "layers" in setup:
            ok = ok and screen.query_one("#copy-layers", Select).value == setup["layers"]
        for key in ("steps", "seed"):
            if key in setup:
                ok = ok and screen.query_one(f"#copy-{key}", Input).value == str(setup[key])
        if "passage" in setup:
            ok = ok and screen.query_one("#copy-passage", Input).value == setup["passage"]
        if "model" in setup:
            ok = ok and screen.query_one("#copy-gpt", Select).value == setup["model"]
        wanted = (setup.get("layer", screen.layer + 1), setup.get("head", screen.head + 1))
        return ok and (screen.layer + 1, screen.head + 1) == wanted
    raise AssertionError(f"no check for pane {pane}")
