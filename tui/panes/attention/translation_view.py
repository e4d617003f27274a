"""The Attention pane's Translate tab: the encoder-decoder of lesson 10 and its cross-attention.

Number words go in ("three hundred forty two"), digits come out ("342"). Each column of a
cross-attention map is one digit being written (a decoder query) and each row a source word
(an encoder key): drawn this way round, the words fit as row labels. Both decoder layers are
drawn, averaged over their heads, then every head on its own, so the learner sees the
alignment appear in the last layer. The translator loads and runs through the view's `Job`
(tui.jobs); what it shows is `engine.tasks.translation.read`'s: nothing here computes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, HorizontalScroll, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select, Static

from tui.jobs import Job
from tui.widgets.form import choice
from tui.widgets.heatmap import Heatmap

if TYPE_CHECKING:
    from engine.tasks.translation import Translation

EXAMPLE_WORDS = "three hundred forty two"
SHIPPED = "shipped"


def alignment_lines(translation: Translation) -> str:
    """'3 ← three  ███████████░ 0.98', one line per digit written."""
    lines = ["each digit ← the word", "layer 2 reads most:"]
    pad = max((len(word) for _, word, _ in translation.aligned), default=0) + 1
    for digit, word, weight in translation.aligned:
        filled = int(round(weight * 8))
        lines.append(f"{digit} ← {word:<{pad}}{'█' * filled}{'░' * (8 - filled)} {weight:.2f}")
    return "\n".join(lines)


def verdict(translation: Translation) -> str:
    """The answer, and whether the model could have memorised it; or, when the words are not
    how its training data writes the number it wrote, how they would be."""
    t = translation
    if t.heldout is None:
        return f"→ [b]{t.text or 'nothing'}[/b]"
    if t.canonical != " ".join(t.words):
        return f"→ [b]{t.text} [/b]· its training data writes {t.text} “{t.canonical}”"
    seen = "held out: never trained on" if t.heldout else "a training number"
    return f"→ [b]{t.text} [/b]· {seen}"


class TranslationView(Vertical):
    """Type number words, see the digits and the cross-attention that wrote them."""

    DEFAULT_CSS = """
    TranslationView { height: 1fr; }
    TranslationView #tr-inputs { height: 1; }
    TranslationView #tr-words { width: 1fr; max-width: 44; margin-right: 2; }
    TranslationView #tr-model { width: 30; }
    TranslationView #tr-result { width: 1fr; margin-top: 1; }
    TranslationView #tr-layers { height: auto; }
    TranslationView .tr-layer { width: auto; height: auto; margin-right: 2; }
    TranslationView #tr-align { width: 1fr; height: auto; }
    TranslationView .tr-title { color: $text-muted; margin-top: 1; }
    TranslationView #tr-heads { height: auto; }
    TranslationView .tr-heads-layer { height: auto; margin-bottom: 1; }
    TranslationView .tr-head { width: auto; height: auto; margin-right: 2; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.job = Job(self, "translate")
        self.loaded: tuple[str, object] | None = None  # (which, model): the last one loaded
        self.translation: Translation | None = None
        self.offered: list[str] = [SHIPPED]  # the translators the select lists
        self._then: Callable[[], None] | None = None  # to run once the translation is drawn

    def compose(self) -> ComposeResult:
        with Horizontal(id="tr-inputs"):
            yield Input(EXAMPLE_WORDS, id="tr-words", compact=True)
            yield Label("translator ")
            yield choice([("shipped (numbers-seq2seq)", SHIPPED)], SHIPPED, "tr-model")
        yield Label("Loading the translator…", id="tr-result")
        with VerticalScroll(id="tr-scroll"):
            yield Static(
                "Cross-attention: a column per digit written (decoder query), a row per "
                "source word (encoder key); each column sums to 1.",
                classes="tr-title",
            )
            with Horizontal(id="tr-layers"):
                for layer in (1, 2):
                    with Vertical(classes="tr-layer"):
                        yield Label(f"layer {layer}, mean of heads", id=f"tr-l{layer}")
                        yield Heatmap(None, id=f"tr-map-{layer}", vmin=0.0, vmax=1.0, cell_width=3)
                yield Static("", id="tr-align")
            yield Label("every head, layer by layer", classes="tr-title")
            yield Vertical(id="tr-heads")

    def translate(self, words: str | None = None, then: Callable[[], None] | None = None) -> None:
        """Translate `words` (or what the box holds) in a worker; the maps follow, then `then`
        (a lesson's step brings what it points at into view once it is drawn)."""
        box = self.query_one("#tr-words", Input)
        if words is not None:
            box.value = words
        if then is not None:  # a second ask before this one is drawn keeps it
            self._then = then
        self._offer_runs()
        self._run(box.value, str(self.query_one("#tr-model", Select).value))

    def _offer_runs(self) -> None:
        """The shipped translator and those `learn-gpt train translate` saved in runs/."""
        runs = sorted(Path("runs").glob("*seq2seq*.pt")) if Path("runs").is_dir() else []
        options = [("shipped (numbers-seq2seq)", SHIPPED), *((p.name, str(p)) for p in runs)]
        if [value for _, value in options] != self.offered:
            select = self.query_one("#tr-model", Select)
            chosen = select.value
            self.offered = [value for _, value in options]
            select.set_options(options)
            select.value = chosen if chosen in self.offered else SHIPPED

    @on(Select.Changed, "#tr-model")
    def _model_chosen(self, event: Select.Changed) -> None:
        event.stop()
        if self.loaded is not None and event.value != self.loaded[0]:  # not the one at mount
            self._run(self.query_one("#tr-words", Input).value, str(event.value))

    def _run(self, words: str, which: str) -> None:
        loaded, device = self.loaded, self.app.device

        def read() -> tuple[tuple[str, object], Translation]:
            from engine.tasks import translation, translator

            model = loaded
            if model is None or model[0] != which:
                path = translator.PRETRAINED if which == SHIPPED else which
                model = (which, translator.load_translator(path, device))
            return model, translation.read(model[1], words)

        self.job.call(read, then=self._translated, failed=self._failed)

    @on(Input.Submitted, "#tr-words")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.translate()
        self.screen.set_focus(None)

    def _translated(self, done: tuple[tuple[str, object], Translation]) -> None:
        self.loaded, t = done
        self.translation = t
        self.query_one("#tr-result", Label).update(verdict(t))
        digits = [d.replace("</s>", "end") for d in t.digits]
        for layer in range(min(2, len(t.weights))):
            self.query_one(f"#tr-map-{layer + 1}", Heatmap).update_matrix(
                t.weights[layer].mean(axis=0).T, row_labels=list(t.words), col_labels=digits
            )
        self.query_one("#tr-align", Static).update(alignment_lines(t))
        self._draw_heads(digits)
        if self._then is not None:
            then, self._then = self._then, None
            self.call_after_refresh(then)

    def _draw_heads(self, digits: list[str]) -> None:
        t = self.translation
        box = self.query_one("#tr-heads", Vertical)
        box.remove_children()
        box.mount_all(
            HorizontalScroll(
                *(
                    Vertical(
                        Label(f"layer {layer + 1} head {head + 1}"),
                        Heatmap(
                            t.weights[layer, head].T,
                            vmin=0.0,
                            vmax=1.0,
                            legend=False,
                            row_labels=list(t.words),
                            col_labels=digits,
                            cell_width=3,
                        ),
                        classes="tr-head",
                    )
                    for head in range(t.weights.shape[1])
                ),
                classes="tr-heads-layer",
            )
            for layer in range(t.weights.shape[0])
        )

    def _failed(self, error: str) -> None:
        self.query_one("#tr-result", Label).update(f"[red]{error}[/red]")
