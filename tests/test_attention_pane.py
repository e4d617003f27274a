"""The Attention pane with the shipped model: no training needed to look inside."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from textual.widgets import Input, Label, Select

from tui.app import LearnGPTApp
from tui.panes.attention.translation_view import TranslationView
from tui.widgets.heatmap import Heatmap


async def looked(pilot, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while pilot.app.screen.inspection is None:
        assert time.monotonic() < deadline
        await pilot.pause(0.05)
    await pilot.pause(0.1)
    return pilot.app.screen


async def settled(pilot, screen, check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not check(screen):
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def test_opens_on_the_pizza_sentence_and_steps_through_stages_and_rows():
    app = LearnGPTApp(pane="attention")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await looked(pilot)
        assert "".join(screen.inspection.tokens).startswith("The pizza")
        heatmap = screen.query_one("#att-map", Heatmap)
        assert heatmap.title.startswith("softmax weights")
        assert screen.row == 35  # the 'i' of "it"
        assert "query 35 'i'" in str(screen.query_one("#att-row").render())
        await pilot.press("left")
        assert screen.stage == "masked" and heatmap.title.startswith("masked")
        assert np.isinf(heatmap.matrix).any()
        await pilot.press("left", "left")
        assert screen.stage == "scores"
        await pilot.press("down")
        assert "query 36 't'" in str(screen.query_one("#att-row").render())
        await pilot.press("l", "h")
        assert (screen.layer, screen.head) == (1, 1)
        assert "layer 2/4  head 2/4" in str(screen.query_one("#att-where").render())


async def test_flipping_the_mask_fills_the_upper_right():
    app = LearnGPTApp(pane="attention")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await looked(pilot)
        causal = screen.inspection.stage(0, 0, "weights")
        assert np.all(np.triu(causal, 1) == 0)
        await pilot.press("m")
        await settled(pilot, screen, lambda s: s.inspection.mask == "anti_causal")
        flipped = screen.query_one("#att-map", Heatmap).matrix
        assert np.triu(flipped, 1).sum() > 0 and np.all(np.tril(flipped, -1) == 0)
        await pilot.press("v")
        await settled(pilot, screen, lambda s: s.inspection.score == "dot")


@pytest.mark.parametrize(
    "sentence,message",
    [("", "type a sentence"), ("x" * 70, "at most 64"), ("pizza in 1066", "never saw")],
)
async def test_bad_sentences_get_a_message_not_a_traceback(sentence, message):
    app = LearnGPTApp(pane="attention")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await looked(pilot)
        await pilot.press("e")
        screen.query_one("#att-sentence").value = sentence
        await pilot.press("enter")
        where = screen.query_one("#att-where")
        await settled(pilot, screen, lambda s: message in str(where.render()))


async def test_heads_and_embeddings_tabs():
    app = LearnGPTApp(pane="attention")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await looked(pilot)
        await pilot.press("b")
        await pilot.pause(0.2)
        heads = screen.query("#att-heads-box Heatmap")
        assert len(heads) == 4
        await pilot.press("c")
        sin = screen.query_one("#att-embed-sinusoidal", Heatmap).matrix
        assert sin.shape == (50, 128) and sin[0, 1] == 1.0


async def translated(pilot, view, text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while view.translation is None or view.translation.text != text:
        assert time.monotonic() < deadline, f"no translation {text!r}"
        await pilot.pause(0.05)
    await pilot.pause(0.1)


async def translate_tab(pilot):
    """The Translate tab, showing the shipped translator's 342."""
    screen = await looked(pilot)
    await pilot.press("d")
    view = screen.query_one(TranslationView)
    await translated(pilot, view, "342")
    return screen, view


async def test_translate_tab_draws_the_cross_attention_alignment():
    app = LearnGPTApp(pane="attention")
    async with app.run_test(size=(100, 30)) as pilot:
        screen, view = await translate_tab(pilot)
        assert "342" in str(screen.query_one("#tr-result").render())
        assert "held out" in str(screen.query_one("#tr-result").render())
        last = screen.query_one("#tr-map-2", Heatmap).matrix  # words x digits written
        assert last.shape == (4, 4)
        np.testing.assert_allclose(last.sum(axis=0), 1.0, atol=1e-5)  # each digit's query
        assert list(last[:, :3].argmax(axis=0)) == [0, 2, 3]  # 3<-three, 4<-forty, 2<-two
        assert "3 ← three" in str(screen.query_one("#tr-align").render())
        assert len(screen.query("#tr-heads Heatmap")) == 8  # 2 layers x 4 heads

        await pilot.press("e")  # edits the words on this tab, not the sentence
        assert screen.focused is screen.query_one("#tr-words")
        screen.query_one("#tr-words").value = "nine thousand five"
        await pilot.press("enter")
        await translated(pilot, view, "9005")
        assert screen.query_one("#tr-map-1", Heatmap).matrix.shape == (3, 5)
        assert "a training number" in str(screen.query_one("#tr-result").render())
        screen.query_one("#tr-words").value = "nineteen hundred"  # not how it was taught 1900
        await pilot.press("e", "enter")
        await translated(pilot, view, "101")
        assert "writes 101 “one hundred one”" in str(screen.query_one("#tr-result").render())
        assert screen.focused is None


@pytest.mark.parametrize(
    "words,message",
    [
        ("", "nothing to translate"),
        ("three bananas", "unknown word 'bananas'"),
        ("one two three four five six seven", "do not fit"),
    ],
)
async def test_bad_number_words_get_a_message(words, message):
    app = LearnGPTApp(pane="attention")
    async with app.run_test(size=(100, 30)) as pilot:
        screen, view = await translate_tab(pilot)
        await pilot.press("e")
        screen.query_one("#tr-words").value = words
        await pilot.press("enter")
        result = screen.query_one("#tr-result")
        await settled(pilot, screen, lambda s: message in str(result.render()))
        assert view.translation.text == "342"  # the last good one stays drawn


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot(snap_compare, size):
    async def run_before(pilot) -> None:
        await looked(pilot)

    assert snap_compare(LearnGPTApp(pane="attention"), terminal_size=size, run_before=run_before)


def test_translate_tab_snapshot(snap_compare):
    async def run_before(pilot) -> None:
        await translate_tab(pilot)

    assert snap_compare(
        LearnGPTApp(pane="attention"), terminal_size=(80, 24), run_before=run_before
    )


def test_row_bars_show_the_stage_scores_that_softmax_turns_into_the_weights():
    from engine.data.sources import PRETRAINED_GPT
    from engine.gpt_checkpoint import load_model
    from engine.inspect import inspect_attention
    from tui.panes.attention.views import row_bars

    model, tokenizer = load_model(PRETRAINED_GPT)
    look = inspect_attention(model, tokenizer, "To be, or not to be")
    ids = tokenizer.encode("To be, or not to be")
    lines = row_bars(look, ids, 0, 0, 5, stage="masked").splitlines()
    assert "(weight, then its masked score)" in lines[0] and "sees 6 of 19" in lines[0]
    assert lines[0].startswith(f"query 5 ',' (id {ids[5]})")
    shown = [(float(line.split()[-2]), float(line.split()[-1])) for line in lines[1:7]]
    scores = np.array([score for _, score in shown])
    softmax = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    np.testing.assert_allclose([weight for weight, _ in shown], softmax, atol=2e-3)
    for line in lines[1:7]:  # each key with its id: "3   'b' id 41  ███..."
        key = int(line.split()[0])
        assert f"{look.tokens[key]!r} id {ids[key]} " in line
    assert "its raw score" in row_bars(look, ids, 0, 0, 5, stage="scores").splitlines()[0]
    assert "score" not in row_bars(look, ids, 0, 0, 5, stage="weights").splitlines()[0]


async def test_a_translator_the_learner_trained_can_be_chosen(tmp_path, monkeypatch):
    from engine.events import TranslatorTrained
    from engine.tasks.translator import save_translator, train_translator

    short = {"warmup_iters": 2, "eval_interval": 5, "batch_size": 16}
    run = train_translator(seed=1, steps=5, train=short, heldout_size=16)
    trained = next(e for e in run if isinstance(e, TranslatorTrained))
    monkeypatch.chdir(tmp_path)
    save_translator(Path("runs/numbers-seq2seq.pt"), trained)
    app = LearnGPTApp(pane="attention")
    async with app.run_test(size=(100, 30)) as pilot:
        screen, view = await translate_tab(pilot)
        shipped = view.translation.weights
        assert view.offered == ["shipped", "runs/numbers-seq2seq.pt"]
        screen.query_one("#tr-model", Select).value = "runs/numbers-seq2seq.pt"
        deadline = time.monotonic() + 30
        while view.translation.weights.shape == shipped.shape and np.allclose(
            view.translation.weights, shipped
        ):
            assert time.monotonic() < deadline, "the chosen translator was not used"
            await pilot.pause(0.05)
        assert view.loaded[0] == "runs/numbers-seq2seq.pt"


async def test_a_model_with_fewer_layers_and_tokens_is_drawn_without_a_stale_row():
    app = LearnGPTApp(pane="attention")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await looked(pilot)
        await pilot.press("L")  # the last of the char model's 4 layers, on row 35
        assert (screen.layer, screen.row) == (3, 35)
        screen.query_one("#att-model", Select).value = "words"  # fewer layers, 14 tokens
        await settled(pilot, screen, lambda s: s.inspection is not None and s.model_name == "words")
        await pilot.pause(0.2)
        assert app._exception is None
        assert screen.layer < 3 and screen.row < len(screen.inspection.tokens)


async def test_a_word_the_model_does_not_know_is_named_not_silently_read():
    """Issue 14: "xyzzy" took 0.426 of the weight without a word said: it is <unk> to the model."""
    app = LearnGPTApp(pane="attention")
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await looked(pilot)
        screen.query_one("#att-model", Select).value = "words"
        await settled(pilot, screen, lambda s: s.inspection is not None and s.model_name == "words")
        assert "vocabulary" not in str(screen.query_one("#att-where", Label).render())
        await pilot.press("e")
        sentence = screen.query_one("#att-sentence", Input)
        sentence.value = "the xyzzy came out of the oven and it tasted good . =>"
        await pilot.press("enter")
        await settled(pilot, screen, lambda s: s.inspection.unknown == ["xyzzy"])
        where = str(screen.query_one("#att-where", Label).render())
        assert "not in the vocabulary, read as <unk>: 'xyzzy'" in where


def marker_line(screen) -> tuple[int, str]:
    """The map's line holding the query row's marker, and the marker."""
    heatmap = screen.query_one("#att-map", Heatmap)
    lines = [strip.text for strip in heatmap.render_all()]
    found = [(n, line[0]) for n, line in enumerate(lines) if line[:1] in ("▶", "▀", "▄")]
    assert len(found) == 1, found
    return found[0]


async def test_the_query_row_is_marked_on_the_map_and_kept_in_its_box():
    app = LearnGPTApp(pane="attention")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await looked(pilot)
        assert screen.row == 35 and marker_line(screen) == (17, "▄")  # rows 34, 35: lower half
        await pilot.press("down")
        assert marker_line(screen) == (18, "▀")
        box = screen.query_one("#att-map-box")
        heatmap = screen.query_one("#att-map", Heatmap)
        line = heatmap.region.y - box.region.y + 18  # where row 36 is in the box
        assert 0 <= line < box.scrollable_content_region.height  # scrolled to it
        await pilot.press("e")
        screen.query_one("#att-sentence", Input).value = "To be, or not to be"
        await pilot.press("enter")
        await settled(pilot, screen, lambda s: len(s.inspection.tokens) == 19)
        await pilot.pause(0.2)
        assert screen.row == 18 and marker_line(screen) == (9, "▀")  # the last row, alone
        assert heatmap.render_line(9).text.startswith("▀   e ")
        assert heatmap.render_line(0).text.startswith("  T/o ")  # two rows' labels a line


@pytest.mark.parametrize("size,stacked", [((80, 24), True), ((160, 40), False)])
async def test_the_bars_go_under_a_map_too_wide_to_share_the_width(size, stacked):
    app = LearnGPTApp(pane="attention")
    async with app.run_test(size=size) as pilot:
        screen = await looked(pilot)
        await pilot.pause(0.2)
        box, bars = screen.query_one("#att-map-box"), screen.query_one("#att-row")
        assert (bars.region.y > box.region.y) == stacked
        assert (bars.region.x >= box.region.right) == (not stacked)
        heatmap = screen.query_one("#att-map", Heatmap)
        assert box.region.contains_region(heatmap.row_region(35).translate(heatmap.region.offset))
        lines = str(bars.render()).splitlines()  # as many keys as fit, the rest summed
        assert lines[-1].startswith("... and") and len(lines) <= bars.region.height
        guess = screen.query_one("#att-next")
        assert guess.region.bottom <= screen.query_one("#att-row-box").region.bottom


async def test_the_embeddings_are_labelled_and_scroll_with_keys():
    app = LearnGPTApp(pane="attention")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await looked(pilot)
        await pilot.press("e")
        screen.query_one("#att-sentence", Input).value = "To be, or not to be"
        await pilot.press("enter", "c")
        await settled(pilot, screen, lambda s: len(s.inspection.tokens) == 19)
        await pilot.pause(0.2)
        token = screen.query_one("#att-embed-token", Heatmap)
        labels = [token.render_line(y).text[:9] for y in range(token.grid_region.height)]
        if token.half_blocks:  # 19 rows in fewer lines: two labels a line
            assert labels[0] == "  0 T/1 o" and labels[5] == "10 n/11 o"
        else:
            assert [labels[n].split()[:2] for n in (1, 7)] == [["1", "o"], ["7", "o"]]
        view = screen.query_one("EmbeddingsView")
        await pilot.press("pagedown")  # nothing focused: PageDown scrolls the tab
        assert view.scroll_y > 0
        await pilot.press("pageup")
        assert view.scroll_y == 0
        box = token.parent
        for _ in range(12):  # Tab reaches the map's box
            await pilot.press("tab")
            if screen.focused is box:
                break
        assert screen.focused is box
        await pilot.press("right", "right", "ctrl+pagedown")
        assert box.scroll_x > 2  # sideways: the 128 columns
        await pilot.press("escape", "a", "down")
        assert screen.row == 19 % 19 and screen.focused is None  # the pane's keys again


async def test_page_keys_scroll_the_map_while_the_arrows_stay_the_panes():
    app = LearnGPTApp(pane="attention")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await looked(pilot)
        box = screen.query_one("#att-map-box")
        box.focus()
        await pilot.press("home")
        await settled(pilot, box, lambda b: b.scroll_y == 0)
        await pilot.press("pagedown")
        await settled(pilot, box, lambda b: b.scroll_y > 0)
        await pilot.press("up", "left")  # the map's box has the focus: still row and stage
        assert (screen.row, screen.stage) == (34, "masked")


async def test_every_head_fits_beside_the_others_and_the_translation_line_in_full():
    app = LearnGPTApp(pane="attention")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await looked(pilot)
        await pilot.press("b")
        await pilot.pause(0.3)
        heads = list(screen.query(".att-head"))
        box = screen.query_one("#att-heads-box")
        assert len(heads) == 4 and all(box.region.contains_region(h.region) for h in heads)
        assert "largest weight of" in str(screen.query_one("#att-heads-note").render())
        view = screen.query_one(TranslationView)
        await pilot.press("d")
        await translated(pilot, view, "342")
        screen.query_one("#tr-words", Input).value = "nineteen hundred"
        await pilot.press("e", "enter")
        await translated(pilot, view, "101")
        result = screen.query_one("#tr-result", Label)
        line = "→ 101 · its training data writes 101 “one hundred one”"
        assert str(result.render()) == line and result.region.width >= len(line)
        scroll = screen.query_one("#tr-scroll")
        await pilot.press("pagedown")
        assert scroll.scroll_y > 0
