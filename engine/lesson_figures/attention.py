"""The experiments behind lesson 4: the Attention pane on the pizza sentence, with the shipped
character GPT and with the small word model, as the lesson's steps set the pane up."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from engine.lesson_figures.registry import Values, experiment

if TYPE_CHECKING:
    from engine.inspect import Inspection

PIZZA = "The pizza came out of the oven and it tasted good."
TASTED = "the pizza came out of the oven and it tasted good . =>"
CLEANING = "the pizza came out of the oven and it needed cleaning . =>"


@functools.cache
def _model(which: str) -> tuple:
    """The pane's model `which` ("shipped" or "words") and its tokenizer, as it loads them."""
    from engine.data.sources import PRETRAINED_GPT, PRETRAINED_SENTENCES
    from engine.gpt_checkpoint import load_model

    return load_model({"shipped": PRETRAINED_GPT, "words": PRETRAINED_SENTENCES}[which])


def _look(which: str, sentence: str) -> Inspection:
    """The pane's look at `sentence`: the standard score (scaled_dot) and the causal mask."""
    from engine.inspect import inspect_attention

    model, tokenizer = _model(which)
    return inspect_attention(model, tokenizer, sentence, score="scaled_dot", mask="causal")


def _weight(look: Inspection, head: int, row: int, key: str, layer: int = 0) -> float:
    """The weight query `row` (negative: from the end) puts on token `key` (its first
    occurrence) in `head`, as the bars show it."""
    weights = look.stage(layer, head, "weights")
    return float(weights[row][look.tokens.index(key)])


def _guess(look: Inspection, piece: str) -> float:
    """The probability the pane's guess line gives `piece` after the sentence (0 if absent)."""
    return float(dict(look.next_token).get(piece, 0.0))


@experiment()
def attention_pizza() -> Values:
    """The shipped char GPT on the pizza sentence, scaled_dot score, causal mask, layer 1,
    head 1, query row 35 (the "i" of "it"), as the Attention pane shows it: the weights it puts
    on the space before it, on itself and on the "d" of "and"; the row sum farthest from 1."""
    look = _look("shipped", PIZZA)
    weights = look.stage(0, 0, "weights")
    row = 35
    assert look.tokens[row - 1 : row + 2] == [" ", "i", "t"], look.tokens
    sums = weights.sum(axis=-1)
    return {
        "weight_space_before": float(weights[row][row - 1]),
        "weight_itself": float(weights[row][row]),
        "weight_d_of_and": float(weights[row][row - 2]),
        "row_sum_farthest": float(sums[abs(sums - 1).argmax()]),
        "top_score_in_last_column": float(
            look.stage(0, 0, "scores")[row].argmax() == len(look.tokens) - 1
        ),
    }


@experiment()
def attention_words() -> Values:
    """The word model (1 layer, 4 heads) on the pizza sentence ending "tasted good" and
    "needed cleaning", scaled_dot score, causal mask, as the Attention pane shows it: at the
    last row (`>`) the weights of head 4 and head 2 on pizza, tasted, oven and cleaning and the
    guess's probabilities; at row 8 ("it"), head 4's weights on pizza and oven."""
    tasted, cleaning = _look("words", TASTED), _look("words", CLEANING)
    it = 8
    assert tasted.tokens[it] == cleaning.tokens[it] == "it"
    return {
        "tasted_head4_pizza": _weight(tasted, 3, -1, "pizza"),
        "tasted_head2_tasted": _weight(tasted, 1, -1, "tasted"),
        "tasted_guess_pizza": _guess(tasted, "pizza"),
        "cleaning_head2_oven": _weight(cleaning, 1, -1, "oven"),
        "cleaning_head4_cleaning": _weight(cleaning, 3, -1, "cleaning"),
        "cleaning_guess_oven": _guess(cleaning, "oven"),
        "it_head4_pizza": _weight(cleaning, 3, it, "pizza"),
        "it_head4_oven": _weight(cleaning, 3, it, "oven"),
        "tasted_it_head4_pizza": _weight(tasted, 3, it, "pizza"),
        "tasted_it_head4_oven": _weight(tasted, 3, it, "oven"),
    }
