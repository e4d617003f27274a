"""The Attention pane: step through a GPT's attention, stage by stage, row by row.

A sentence goes through a model (the shipped one by default, or any GPT checkpoint); the pane
shows one layer and head at a time as a heatmap: raw scores, scaled, masked (hidden cells
marked), softmax weights, output; one query row as numbers and bars; all heads of the layer
side by side; and the embeddings that went in. Switching the score or the mask recomputes with
the same trained weights, so the learner sees exactly what that one change does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.markup import escape
from textual.reactive import reactive
from textual.widgets import Input, Label, Select, TabbedContent, TabPane

from engine.variants import OFFERED_MASKS as MASKS
from engine.variants import SCORES
from tui.jobs import Job
from tui.panes.attention.translation_view import TranslationView
from tui.panes.attention.views import EmbeddingsView, HeadsView, StagesView
from tui.panes.base import PaneScreen, pane_help
from tui.panes.lesson_focus import Target
from tui.widgets.form import choice
from tui.widgets.heatmap import Heatmap

if TYPE_CHECKING:
    from engine.inspect import Inspection

PIZZA = "The pizza came out of the oven and it tasted good."
STAGES = ("scores", "scaled", "masked", "weights", "output")
SHIPPED = "shipped"
WORDS = "words"  # the pizza sentence model of lesson 4: it predicts the referent after "=>"
WORD_SENTENCE = "the pizza came out of the oven and it tasted good . =>"
LESSON_KEYS = (
    "model",
    "sentence",
    "score",
    "mask",
    "stage",
    "layer",
    "head",
    "row",
    "tab",
    "words",
)
LESSON_TABS = {
    "stages": "att-stages",
    "heads": "att-heads",
    "embed": "att-embed",
    "translate": "att-translate",
}

PAGED = {  # the box PageUp and PageDown scroll on each tab, whatever has the focus
    "att-stages": "#att-map-box",
    "att-heads": "#att-heads-box",
    "att-embed": "EmbeddingsView",
    "att-translate": "#tr-scroll",
}

HELP = pane_help(__file__)


class AttentionScreen(PaneScreen):
    PANE = "attention"
    HELP = HELP
    CSS_PATH = "attention.tcss"
    BINDINGS = [
        Binding("left", "stage(-1)", "Stage"),
        Binding("right", "stage(1)", "Stage", show=False),
        Binding("up", "row(-1)", "Row"),
        Binding("down", "row(1)", "Row", show=False),
        Binding("l", "layer(1)", "Layer"),
        Binding("L", "layer(-1)", "Layer", show=False),
        Binding("h", "head(1)", "Head"),
        Binding("H", "head(-1)", "Head", show=False),
        Binding("v", "next_score", "Score"),
        Binding("m", "next_mask", "Mask"),
        Binding("e", "edit", "Sentence"),
        Binding("escape", "leave_edit", show=False),
        Binding("pageup", "page(-1)", "Scroll", show=False),
        Binding("pagedown", "page(1)", "Scroll", show=False),
        *(
            Binding(key, f"show_tab('{tab}')", title, show=False)
            for key, tab, title in (
                ("a", "att-stages", "Stages tab"),
                ("b", "att-heads", "Heads tab"),
                ("c", "att-embed", "Embeddings tab"),
                ("d", "att-translate", "Translate tab"),
            )
        ),
    ]
    AUTO_FOCUS = ""  # the keys belong to the pane until the learner edits the sentence (e)
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # short: no blank lines between rows
    FOCI = {  # what lesson steps point at; the maps' parts are in focus_targets
        "heatmap": "#att-map",
        "query-row": "#att-map",
        "bars": "#att-row",
        "guess": "#att-next",
        "heads": ".att-head",
        "embed-tokens": "#att-embed-token",
        "embed-sum": "#att-embed-sum",
        "embed-positions": "#att-embed-sinusoidal",
        "translation": "#tr-result",
        "maps": "#tr-map-1, #tr-map-2",
        "alignment": "#tr-align",
    }
    layer: reactive[int] = reactive(0)
    head: reactive[int] = reactive(0)
    stage: reactive[str] = reactive("weights")
    row: reactive[int] = reactive(0)
    _lesson_waiting: dict | None = None  # a lesson setup to apply once a model has loaded
    _lesson_view: dict | None = None  # the layer, head, row it asks for, once the look is in

    def __init__(self) -> None:
        super().__init__(name="attention")
        self.model = None
        self.model_name = ""
        self.tokenizer = None
        self.inspection: Inspection | None = None
        self.parts: dict[str, np.ndarray] = {}
        self.ids: list[int] = []  # the sentence's token ids, shown beside its tokens
        self.job = Job(self, "attention")  # loading a model and every look at it
        self._asked = 0  # looks asked for: only the latest is computed

    # -- layout ------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Horizontal(id="att-inputs"):
            yield Input(PIZZA, id="att-sentence", compact=True)
            yield choice([("shipped char GPT", SHIPPED)], SHIPPED, "att-model")
        with Horizontal(id="att-controls"):
            yield choice([(s, s) for s in SCORES], "scaled_dot", "att-score")
            yield choice([(m, m) for m in MASKS], "causal", "att-mask")
            yield Label("Loading PyTorch…", id="att-where")
        with TabbedContent(id="att-tabs"):
            with TabPane("Stages", id="att-stages"):
                yield StagesView()
            with TabPane("Heads", id="att-heads"):
                yield HeadsView(id="att-heads-view")
            with TabPane("Embeddings", id="att-embed"):
                yield EmbeddingsView()
            with TabPane("Translate", id="att-translate"):
                yield TranslationView(id="att-translator")

    def on_mount(self) -> None:
        self.watch(self.app, "engine_ready", self._engine_ready, init=True)

    def _engine_ready(self, ready: bool) -> None:
        if ready and self.model is None:
            self._offer_checkpoints()
            self.load_model(SHIPPED)

    def _offer_checkpoints(self) -> None:
        runs = sorted(Path("runs").glob("gpt-*.pt")) if Path("runs").is_dir() else []
        options = [("shipped char GPT", SHIPPED), ("pizza sentences (words)", WORDS)]
        options += [(p.name, str(p)) for p in runs]
        self.query_one("#att-model", Select).set_options(options)
        self.query_one("#att-model", Select).value = SHIPPED

    # -- the engine, through the pane's job ---------------------------------------------------
    def load_model(self, which: str) -> None:
        from engine.data.sources import PRETRAINED_GPT, PRETRAINED_SENTENCES

        path = {SHIPPED: PRETRAINED_GPT, WORDS: PRETRAINED_SENTENCES}.get(which, which)
        device = self.app.device

        def load() -> tuple:
            from engine.gpt_checkpoint import load_model

            return load_model(path, device)

        self.job.call(load, then=lambda loaded: self._loaded(which, loaded), failed=self._failed)

    def _loaded(self, which: str, loaded: tuple) -> None:
        self.model, self.tokenizer = loaded
        self.model_name = which
        self.look()

    def look(self) -> None:
        """Recompute for the sentence, score and mask now in the widgets; a look asked for
        while an older one is still waiting replaces it."""
        if self.model is None:
            return
        model, tokenizer = self.model, self.tokenizer
        sentence = self.query_one("#att-sentence", Input).value
        score = str(self.query_one("#att-score", Select).value)
        mask = str(self.query_one("#att-mask", Select).value)
        self._asked += 1
        asked = self._asked

        def compute() -> tuple[Inspection, dict[str, np.ndarray], list[int]] | None:
            from engine.inspect import embeddings, encode_sentence, inspect_attention

            if asked != self._asked:
                return None  # a newer look is on its way
            inspection = inspect_attention(model, tokenizer, sentence, score=score, mask=mask)
            ids = encode_sentence(model, tokenizer, sentence)
            return inspection, embeddings(model, tokenizer, sentence), ids

        self.job.call(compute, then=self._looked, failed=self._failed)

    def _looked(self, looked: tuple[Inspection, dict[str, np.ndarray], list[int]] | None) -> None:
        if looked is None:
            return
        first = self.inspection is None
        self.inspection, self.parts, self.ids = looked
        n = len(self.inspection.tokens)
        # Set quietly and draw once below: a watcher drawing in between would pair the new
        # look with the old sentence's row.
        self.set_reactive(AttentionScreen.layer, min(self.layer, len(self.inspection.layers) - 1))
        heads = self.inspection.layers[0]["weights"].shape[0]
        self.set_reactive(AttentionScreen.head, min(self.head, heads - 1))
        if first or self.row >= n:
            self.set_reactive(AttentionScreen.row, self._first_row())
        empty = self.inspection.empty_rows[self.layer]
        if empty:
            self.notify(
                f"the mask hides every key from query row(s) {empty}: their weights are 0, not NaN",
                severity="warning",
            )
        self.redraw()
        self._lesson_after_look()

    def _first_row(self) -> int:
        """The row a learner asks about first: the 'i' of "it" in the pizza sentence."""
        tokens = self.inspection.tokens if self.inspection else []
        text = "".join(tokens)
        where = text.find(" it ")
        return where + 1 if where >= 0 and len(tokens) == len(text) else max(0, len(tokens) - 1)

    def _failed(self, error: str) -> None:
        self.query_one("#att-where", Label).update(f"[red]{error}[/red]")
        self.notify(error, severity="error")

    # -- lessons -----------------------------------------------------------------------------
    def apply_lesson(self, setup: dict) -> None:
        """Set the pane up for a lesson step: `model` (shipped, words), `sentence`, `score`,
        `mask`, `stage`, `tab` (stages, heads, embed, translate), `words` for the translator,
        and the view `layer`, `head` (from 0) and `row` (a token's index; negative counts from
        the end). Until a model has loaded the
        setup waits, and layer, head and row are shown once the new look is in."""
        setup = self.lesson_keys(setup, LESSON_KEYS)
        if self.model is None:
            self._lesson_waiting = setup
            return
        self._lesson_waiting = None
        if "tab" in setup:
            tab = LESSON_TABS.get(str(setup["tab"]))
            if tab is None:
                self.lesson_problem(f"Attention has no tab {setup['tab']!r}.")
            else:
                self.action_show_tab(tab)
        if "words" in setup:
            translator = self.query_one(TranslationView)
            translator.translate(str(setup["words"]), then=self.bring_focus_into_view)
            self.action_show_tab("att-translate")
        if "stage" in setup:
            if setup["stage"] in STAGES:
                self.stage = setup["stage"]
            else:
                self.lesson_problem(f"Attention has no stage {setup['stage']!r}.")
        view = {k: setup[k] for k in ("layer", "head", "row") if k in setup}
        for key, value in list(view.items()):
            if not isinstance(value, int) or isinstance(value, bool):
                self.lesson_problem(f"Attention: {key} must be a whole number, not {value!r}.")
                del view[key]
        sentence = self.query_one("#att-sentence", Input)
        if "sentence" in setup:
            sentence.value = str(setup["sentence"])
        for key in ("score", "mask"):
            if key in setup:
                self.lesson_select(self.query_one(f"#att-{key}", Select), setup[key], key)
        model = self.query_one("#att-model", Select)
        if "model" in setup and setup["model"] != model.value:
            if not self.lesson_select(model, setup["model"], "model"):
                return
            self._lesson_view = view  # the model loads, then looks
            return
        self._lesson_view = view
        self.inspection = None  # a new look: its first row is chosen afresh, then the view's
        self.look()

    def _lesson_after_look(self) -> None:
        if self._lesson_waiting is not None:
            setup, self._lesson_waiting = self._lesson_waiting, None
            self.call_later(self.apply_lesson, setup)
        elif self._lesson_view is not None:
            self.call_later(self._show_lesson_view)

    def _show_lesson_view(self) -> None:
        """Show the layer, head and row the lesson asked for, once the look for its model,
        score and mask is in (an earlier look may still arrive first)."""
        look, view = self.inspection, self._lesson_view
        if look is None or view is None:
            return
        wanted = (
            self.query_one("#att-model", Select).value,
            self.query_one("#att-score", Select).value,
            self.query_one("#att-mask", Select).value,
        )
        if (self.model_name, look.score, look.mask) != wanted:
            return
        from engine.errors import EngineError

        try:  # a look of another sentence (or with another tokenizer) is not the one
            tokens = len(self.tokenizer.encode(self.query_one("#att-sentence", Input).value))
        except EngineError:
            tokens = len(look.tokens)
        if tokens != len(look.tokens):
            return
        self._lesson_view = None
        n_layers, n_heads = len(look.layers), look.layers[0]["weights"].shape[0]
        self.layer = min(max(view.get("layer", self.layer), 0), n_layers - 1)
        self.head = min(max(view.get("head", self.head), 0), n_heads - 1)
        if "row" in view:
            n = len(look.tokens)
            self.row = min(max(view["row"] + n if view["row"] < 0 else view["row"], 0), n - 1)
        self.call_after_refresh(self.bring_focus_into_view)  # the view is in: now it can show

    # -- what lesson steps point at ----------------------------------------------------------
    def focus_targets(self, name: str) -> list[Target]:
        """The map's grid (not its title and scale), the query row's line, an embedding map
        with its title (EmbeddingsView.targets), and, for the rest, the widgets FOCI names."""
        if name not in ("heatmap", "query-row") and not name.startswith("embed-"):
            targets = [Target(widget, what=name) for widget in self.query(self.FOCI[name])]
            if not targets:
                raise LookupError(f"no {name} on the Attention pane yet")
            return targets
        heatmap = self.query_one(self.FOCI[name], Heatmap)
        if name == "query-row":
            return [Target(heatmap, heatmap.row_region(self.row), f"query row {self.row}")]
        if name.startswith("embed-"):
            return self.query_one(EmbeddingsView).targets(heatmap, name)
        return [Target(heatmap, heatmap.grid_region, name)]

    # -- drawing -----------------------------------------------------------------------------
    def redraw(self) -> None:
        look = self.inspection
        if look is None:
            return
        layers, heads = len(look.layers), look.layers[0]["weights"].shape[0]
        unknown = ""
        if look.unknown:  # read as <unk>: its weights say nothing about the word itself
            words = ", ".join(repr(word) for word in look.unknown)
            unknown = f"  [$warning]not in the vocabulary, read as <unk>: {escape(words)}[/]"
        token = escape(repr(look.tokens[self.row]))
        self.query_one("#att-where", Label).update(
            f"layer {self.layer + 1}/{layers}  head {self.head + 1}/{heads}  "
            f"[b]{self.stage}[/b]  row {self.row} {token}{unknown}"
        )
        stages = self.query_one(StagesView)
        stages.show(look, self.ids, self.layer, self.head, self.stage, self.row)
        self.query_one(HeadsView).show(look.layers[self.layer]["weights"])
        self.query_one(EmbeddingsView).show(self.parts, look.tokens)

    def watch_layer(self) -> None:
        self.redraw()

    def watch_head(self) -> None:
        self.redraw()

    def watch_stage(self) -> None:
        self.redraw()

    def watch_row(self) -> None:
        self.redraw()

    # -- actions -----------------------------------------------------------------------------
    def action_stage(self, step: int) -> None:
        self.stage = STAGES[(STAGES.index(self.stage) + step) % len(STAGES)]

    def action_row(self, step: int) -> None:
        if self.inspection is not None:
            self.row = (self.row + step) % len(self.inspection.tokens)

    def action_layer(self, step: int) -> None:
        if self.inspection is not None:
            self.layer = (self.layer + step) % len(self.inspection.layers)

    def action_head(self, step: int) -> None:
        if self.inspection is not None:
            self.head = (self.head + step) % self.inspection.layers[0]["weights"].shape[0]

    def _cycle(self, select_id: str, choices: tuple[str, ...]) -> None:
        select = self.query_one(select_id, Select)
        select.value = choices[(choices.index(str(select.value)) + 1) % len(choices)]

    def action_next_score(self) -> None:
        self._cycle("#att-score", SCORES)

    def action_next_mask(self) -> None:
        self._cycle("#att-mask", MASKS)

    def action_edit(self) -> None:
        """Edit the sentence, or the number words on the Translate tab."""
        translating = self.query_one("#att-tabs", TabbedContent).active == "att-translate"
        self.query_one("#tr-words" if translating else "#att-sentence", Input).focus()

    def action_leave_edit(self) -> None:
        self.set_focus(None)

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#att-tabs", TabbedContent).active = tab

    def action_page(self, direction: int) -> None:
        """PageUp, PageDown: scroll the tab's main view, whichever widget has the focus."""
        box = self.query_one(PAGED[self.query_one("#att-tabs", TabbedContent).active])
        if direction > 0:
            box.scroll_page_down(animate=False)
        else:
            box.scroll_page_up(animate=False)

    @on(TabbedContent.TabActivated, "#att-tabs")
    def on_tab_shown(self, event: TabbedContent.TabActivated) -> None:
        translator = self.query_one(TranslationView)
        if event.pane.id == "att-translate" and translator.translation is None:
            translator.translate()

    @on(Select.Changed, "#att-score, #att-mask")
    def on_variant_changed(self) -> None:
        self.look()

    @on(Select.Changed, "#att-model")
    def on_model_changed(self, event: Select.Changed) -> None:
        if self.model is not None and str(event.value) != self.model_name:
            sentence = self.query_one("#att-sentence", Input)
            if event.value == WORDS and sentence.value == PIZZA:
                sentence.value = WORD_SENTENCE
            elif event.value != WORDS and sentence.value == WORD_SENTENCE:
                sentence.value = PIZZA
            self.inspection = None
            self.load_model(str(event.value))

    @on(Input.Submitted, "#att-sentence")
    def on_sentence(self) -> None:
        self.row = 0
        self.inspection = None
        self.look()
        self.set_focus(None)
