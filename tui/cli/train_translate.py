"""`learn-gpt train translate`: a small encoder-decoder transformer learns to write numbers.

Trains on generated pairs like "three hundred forty two" -> "342" (see `engine.tasks.translator`),
shows a Rich progress bar with the loss and the held-out exact-match accuracy, then translates
a few numbers it never saw and prints, for each digit written, the source word the last
decoder layer's cross-attention looks at most (averaged over its heads), and the whole
cross-attention of the lesson's example as a table. Saves the model.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from tui.cli.train_toy import toy_command, train_toy

# all four are held out: the model never saw them while training
EXAMPLES = (
    "three hundred forty two",
    "two thousand nineteen",
    "one thousand three hundred seven",
    "seven thousand two hundred fifty two",
)


def _print_alignments(console: Console, model) -> None:  # noqa: ANN001
    from engine.tasks.translator import alignment, translate

    console.print(
        "Translations of held-out numbers; under each digit, the source word the last layer's "
        "cross-attention (mean of its heads) weighs most:"
    )
    for text in EXAMPLES:
        pieces = "  ".join(
            f"{a.token} ← {a.source_word} ({a.weight:.2f})" for a in alignment(model, text)
        )
        console.print(f"  {text} → [bold]{translate(model, text)}[/bold]\n    {pieces}")


def _print_heatmap(console: Console, model, text: str) -> None:  # noqa: ANN001
    from engine.tasks.translator import cross_attention

    words, targets, weights = cross_attention(model, text)
    mean = weights[-1].mean(axis=0)  # (T_out, T_in): the last layer, averaged over heads
    table = Table(title=f'Cross-attention, last layer, mean of heads: "{text}"', title_style="")
    table.add_column("writes")
    for word in words:
        table.add_column(word, justify="right")
    for row, token in enumerate(targets):
        best = int(mean[row].argmax())
        cells = [
            f"[bold]{w:.2f}[/bold]" if col == best else f"[dim]{w:.2f}[/dim]"
            for col, w in enumerate(mean[row])
        ]
        table.add_row(token, *cells)
    console.print(table)


def train_translate(
    out: Path, seed: int, steps: int | None, threads: int | None = None
) -> None:
    """Train the number translator with `seed` (for `steps`, default the module's 1500),
    report, and save it to `out`."""
    from engine.tasks.numbers import task_source
    from engine.tasks.translator import (
        MODEL,
        TRAIN,
        new_model,
        save_translator,
        train_translator,
    )

    console = Console(highlight=False)
    about = [
        f"Encoder-decoder: {MODEL['n_encoder_layer']} encoder layers (self-attention, no mask), "
        f"{MODEL['n_decoder_layer']} decoder layers (causal self-attention, then "
        f"cross-attention to the encoder), {MODEL['n_head']} heads, {MODEL['n_embd']} wide; "
        f"{new_model().num_params():,} parameters",
        f"Task: {task_source()}; words in, digits out",
    ]
    trained = train_toy(
        console,
        about,
        train_translator(seed, steps),
        train=TRAIN,
        steps=steps,
        threads=threads,
        seed=seed,
        batch="numbers",
        held_out=("exact match", "exact-match accuracy", "numbers never seen in training"),
    )
    _print_alignments(console, trained.model)
    _print_heatmap(console, trained.model, EXAMPLES[0])
    path = save_translator(out, trained).path
    console.print(f"Saved {path}")


command = toy_command(
    train_translate,
    "Train the encoder-decoder that translates number words to digits.",
    "runs/numbers-seq2seq.pt",
    "Seed for the batches and the weights.",
    1500,
)
