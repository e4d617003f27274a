"""The experiments behind lesson 7 (heads, residuals, dropout): the shipped model's heads on the
pizza sentence in the Attention pane, and the Lab's comparisons that switch off one part of the
block each (one head instead of four, no residual connections, dropout), with the verdict's
thresholds the lesson quotes."""

from __future__ import annotations

from engine.lesson_figures.lab import compare
from engine.lesson_figures.registry import Values, experiment

PIZZA = "The pizza came out of the oven and it tasted good."  # the Attention step's sentence
NEAR = 3  # "the few just before it": the character itself and the three before it
# the Lab steps' setups, as the lesson front matter gives them (and the longer dropout run the
# last step asks the learner to try: the same with 3,000 steps)
ONE_HEAD = {"a": {}, "b": {"n_head": 1}, "steps": 300}
NO_RESIDUAL = {"a": {}, "b": {"residual": False}, "steps": 300}
DROPOUT = {"a": {"dropout": 0.2}, "b": {}, "steps": 300}
DROPOUT_LONG = {**DROPOUT, "steps": 3000}


@experiment()
def heads_attention() -> Values:
    """The Attention pane's Heads tab on the pizza sentence: how much weight each head puts where.

    The shipped model, scaled dot score, causal mask, through engine.inspect.inspect_attention
    as the pane computes it. For each head of layers 1 and 2 (numbered from 1, as the pane
    shows them), in %: `band` the mean over query rows of the weight on the character itself
    and the three before it; `spaces` the mean, over the rows after the first space, of the
    weight on spaces. And the least and most band of layer 1's heads."""
    import numpy as np

    from engine.data.sources import PRETRAINED_GPT
    from engine.gpt_checkpoint import load_model
    from engine.inspect import inspect_attention

    model, tokenizer = load_model(PRETRAINED_GPT)
    look = inspect_attention(model, tokenizer, PIZZA, score="scaled_dot", mask="causal")
    t = len(look.tokens)
    rows = np.arange(t)[:, None] - np.arange(t)[None, :]
    near = (rows >= 0) & (rows <= NEAR)
    spaces = np.array([token == " " for token in look.tokens])
    after = slice(int(np.flatnonzero(spaces)[0]) + 1, t)
    values: Values = {}
    for layer in (0, 1):
        for head, weights in enumerate(look.layers[layer]["weights"], start=1):
            band = 100 * float((weights * near).sum(axis=-1).mean())
            on_spaces = 100 * float(weights[after][:, spaces].sum(axis=-1).mean())
            values[f"layer{layer + 1}_head{head}_band"] = band
            values[f"layer{layer + 1}_head{head}_spaces"] = on_spaces
    bands = [v for k, v in values.items() if k.startswith("layer1_") and k.endswith("_band")]
    values |= {"layer1_least_band": min(bands), "layer1_most_band": max(bands)}
    return values


@experiment()
def heads_verdict_thresholds() -> Values:
    """The Lab verdict's thresholds, as engine.verdict sets them (not measured: read).

    `close`: validation losses this close are the same result; `overfit_gap`: validation loss
    this far above training loss is overfitting."""
    from engine.verdict import CLOSE, OVERFIT_GAP

    return {"close": CLOSE, "overfit_gap": OVERFIT_GAP}


def _with_sizes(values: Values) -> Values:
    """compare's values, with the parameter count both variants share (NaN if they differ)."""
    a, b = values["a_parameters"], values["b_parameters"]
    return {**values, "parameters_each": a if a == b else float("nan")}


@experiment(slow=True)
def lab_one_head() -> Values:
    """The Lab's comparison of lesson 7's "One head instead of four": A standard, B one head.

    300 steps, through engine.lesson_figures.lab.compare as the pane runs it: final losses,
    the verdict (`same`: within its CLOSE), the weights of each model (`parameters_each`)."""
    return _with_sizes(compare(ONE_HEAD))


@experiment(slow=True)
def lab_no_residual() -> Values:
    """The Lab's comparison of lesson 7's "No residual connections": A standard, B without.

    300 steps, through engine.lesson_figures.lab.compare as the pane runs it: final losses,
    the verdict (`b_worse`), the share of real words in each sample (%)."""
    return compare(NO_RESIDUAL)


@experiment(slow=True)
def lab_dropout() -> Values:
    """The Lab's comparison of lesson 7's "Dropout": A with dropout 0.2, B without, 300 steps.

    Through engine.lesson_figures.lab.compare as the pane runs it: final losses, the verdict."""
    return compare(DROPOUT)


@experiment(slow=True)
def lab_dropout_long() -> Values:
    """Lesson 7's "Dropout" comparison run for 3,000 steps, as the step asks the learner to try.

    Through engine.lesson_figures.lab.compare as the pane runs it: final train and validation
    losses (the legends), each one's gap between them (`a_gap`, `b_gap`: validation minus
    training), the verdict, and how long the comparison takes: `minutes`, the processor time
    it used (on one thread, what it takes on an idle machine, whatever else this one is
    running), and `minutes_wall`, the wall clock, as the Lab's "Done in N s" counts it."""
    values = compare(DROPOUT_LONG)
    return {
        **values,
        "a_gap": values["a_val_loss"] - values["a_train_loss"],
        "b_gap": values["b_val_loss"] - values["b_train_loss"],
        "minutes": values["cpu_seconds"] / 60,
        "minutes_wall": values["seconds"] / 60,
    }
