"""`learn-gpt train sentences`: a tiny word-level GPT learns what "it" refers to.

Trains on generated sentences like "the pizza came out of the oven and it tasted good . =>
pizza" (see `engine.tasks.referent`), shows a Rich progress bar with the loss and the held-out
accuracy, then prints where the position that names the referent looks in two sentences that
differ only in their predicate, and saves the model for the Attention pane.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from tui.cli.train_toy import toy_command, train_toy

EXAMPLES = (
    "The pizza came out of the oven and it tasted good.",
    "The pizza came out of the oven and it needed cleaning.",
)


def _print_attention(console: Console, model, tokenizer) -> None:  # noqa: ANN001
    from engine.tasks.referent import referent_attention

    console.print('Attention from "=>" (the position that names the referent):')
    for sentence in EXAMPLES:
        look = referent_attention(model, tokenizer, sentence)
        food, container = look["food"], look["container"]
        mean, best = look["last_layer"], look["best_head"]
        heads = len(look["layers"][-1]["heads"])
        console.print(
            f"  {sentence}\n"
            f"    prediction {look['prediction']} ({look['probability']:.1%}); "
            f"mean of the last layer's {heads} heads: {food} {mean['food']:.3f}, "
            f"{container} {mean['container']:.3f}; head {best['head']} of layer "
            f"{best['layer']}: {food} {best['food']:.3f}, {container} {best['container']:.3f}"
        )


def train_sentences(
    out: Path, seed: int, steps: int | None, threads: int | None = None
) -> None:
    """Train the referent model with `seed` (for `steps`, default the module's 1000), report,
    and save it to `out`."""
    from engine.tasks.referent import MODEL, TRAIN, save_referent_model, train_referent_model
    from engine.tasks.sentences import family_source

    console = Console(highlight=False)
    about = [
        f"GPT: {MODEL['n_layer']} layer(s), {MODEL['n_head']} heads, {MODEL['n_embd']} wide, "
        f"context {MODEL['block_size']}; causal mask, learned positions",
        f"Text: {family_source()}",
    ]
    trained = train_toy(
        console,
        about,
        train_referent_model(seed, steps),
        train=TRAIN,
        steps=steps,
        threads=threads,
        seed=seed,
        batch='sentences, loss only at the word after "=>"',
        held_out=("accuracy", "accuracy", "food/container pairs never seen together in training"),
    )
    _print_attention(console, trained.model, trained.tokenizer)
    path = save_referent_model(out, trained).path
    console.print(f'Saved {path}; open it in the Attention pane and look at the ">" row')


command = toy_command(
    train_sentences,
    'Train the word-level model that finds what "it" refers to in the pizza sentences.',
    "runs/pizza-words.pt",
    "Seed for the sentences and the weights.",
    1000,
)
