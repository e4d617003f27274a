"""The Attention pane with the shipped model: no training needed to look inside."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tui.app import LearnGPTApp
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
        heads = screen.query("#att-heads-row Heatmap")
        assert len(heads) == 4
        await pilot.press("c")
        sin = screen.query_one("#att-embed-sinusoidal", Heatmap).matrix
        assert sin.shape == (50, 128) and sin[0, 1] == 1.0


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot(snap_compare, size):
    async def run_before(pilot) -> None:
        await looked(pilot)

    assert snap_compare(LearnGPTApp(pane="attention"), terminal_size=size, run_before=run_before)
