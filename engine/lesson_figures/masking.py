"""The experiments behind lesson 6 (masking the future): the shipped model's attention on "To be,
or not to be" in the Attention pane with the causal and the anti-causal mask, and the Lab's two
comparisons of the standard GPT against one that sees the future."""

from __future__ import annotations

from engine.lesson_figures.lab import compare
from engine.lesson_figures.registry import Values, experiment

SENTENCE = "To be, or not to be"  # the steps' sentence
ROW = 3  # the "b": the query row the steps show
# the Lab steps' setups, as the lesson front matter gives them
ANTI_CAUSAL = {"a": {}, "b": {"mask": "anti_causal"}, "steps": 300}
NO_MASK = {"a": {}, "b": {"mask": "none"}, "steps": 300}


def _guess(next_token: list[tuple[str, float]], piece: str) -> float:
    """The probability of the model's top guess if it is `piece`, else NaN (a figure then
    fails): the lesson names the character as well as the number."""
    top, p = next_token[0]
    return p if top == piece else float("nan")


@experiment()
def masking_attention() -> Values:
    """The Attention pane's row 3 of "To be, or not to be" (layer 1, head 1), both masks.

    The shipped model, scaled dot score, computed as the pane computes it
    (engine.inspect.inspect_attention) with the causal and then the anti-causal mask: row 3's
    visible keys, its weights as its bars list them (largest first, to 3 decimals) and their
    sum, and the top next-character guess after the sentence (NaN if it is not the one the
    lesson names)."""
    import numpy as np

    from engine.data.sources import PRETRAINED_GPT
    from engine.gpt_checkpoint import load_model
    from engine.inspect import inspect_attention

    model, tokenizer = load_model(PRETRAINED_GPT)
    values: Values = {}
    for mask, name, guess in (("causal", "causal", " "), ("anti_causal", "anti", "r")):
        look = inspect_attention(model, tokenizer, SENTENCE, score="scaled_dot", mask=mask)
        weights = look.stage(0, 0, "weights")[ROW]
        visible = np.flatnonzero(~np.isinf(look.stage(0, 0, "masked")[ROW]))
        shown = sorted((round(float(weights[j]), 3) for j in visible), reverse=True)
        values |= {
            f"{name}_visible": float(len(visible)),
            f"{name}_tokens": float(len(look.tokens)),
            f"{name}_shown_sum": sum(shown),
            f"{name}_next": _guess(look.next_token, guess),
        }
        values |= {f"{name}_weight_{i}": w for i, w in enumerate(shown[:4], start=1)}
    return values


@experiment(slow=True)
def lab_anti_causal() -> Values:
    """The Lab's comparison of lesson 6's "Train it that way": A standard, B anti-causal, 300 steps.

    Through engine.lesson_figures.lab.compare, as the pane runs it: the final losses, the
    verdict's attention on later characters of the probe (%), whether it finds B cheating."""
    return compare(ANTI_CAUSAL)


@experiment(slow=True)
def lab_no_mask() -> Values:
    """The Lab's comparison of lesson 6's "No mask at all": A standard, B no mask, 300 steps.

    Through engine.lesson_figures.lab.compare, as the pane runs it: the final losses, the
    verdict's attention on later characters of the probe (%), whether it finds B cheating in
    part."""
    return compare(NO_MASK)
