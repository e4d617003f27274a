"""A look inside a GPT (engine.inside.Look) as text: the losses of the two halves, what the
heads switched off cost, the logit lens at one position, and the guesses in the repeat."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from tui.widgets.heatmap_labels import label_text

if TYPE_CHECKING:
    from engine.inside import Guesses, Look


def heads_named(off: frozenset[tuple[int, int]]) -> str:
    return ", ".join(f"L{layer + 1} H{head + 1}" for layer, head in sorted(off)) or "none"


def guesses_text(guesses: Guesses, right: str | None) -> Text:
    """ "'e' 0.31  ' ' 0.12 …", the right answer in bold green."""
    text = Text()
    for token, p in guesses:
        style = "bold green" if token == right else ""
        text.append(f"{label_text(token):>2} {p:.2f}", style=style)
        text.append(" ")
    return text


def token_at(look: Look, i: int) -> str:
    return f"{i} {label_text(look.tokens[i])!r}"


def look_text(look: Look) -> Text:
    half, tokens = look.half, look.tokens
    text = Text()
    text.append(f"The passage: {half} tokens, then the same {half} again.\n", style="dim")
    text.append("Next-token loss: first half ")
    text.append(f"{look.first_half:.2f}", style="bold")
    text.append(" · repeated half ")
    text.append(f"{look.repeated:.2f}", style="bold")
    gain = look.first_half - look.repeated
    text.append(
        f"  (the repeat is {gain:.2f} easier)\n" if gain > 0 else "  (the repeat is no easier)\n",
        style="dim",
    )
    if look.off:
        text.append(f"Off: {heads_named(look.off)} → repeated half ")
        text.append(f"{look.repeated_off:.2f}", style="bold red")
        text.append(f" ({look.repeated_off - look.repeated:+.2f})\n")
    i = look.position
    right = tokens[i + 1] if i + 1 < len(tokens) else None
    text.append(f"\nLogit lens at {token_at(look, i)}", style="bold")
    text.append(f", next {label_text(right)!r}" if right is not None else "", style="bold")
    text.append("  (, . move)\n", style="dim")
    for stage, guesses in look.lens:
        text.append(f"{stage:>10} ")
        text.append_text(guesses_text(guesses, right))
        text.append("\n")
    text.append("\nIn the repeat (heads off as set), the next token's guesses:\n", style="dim")
    for i, guesses in look.guesses:
        right = tokens[i + 1] if i + 1 < len(tokens) else None
        text.append(f"{token_at(look, i):>8} →")
        text.append_text(guesses_text(guesses, right))
        text.append("\n")
    return text
