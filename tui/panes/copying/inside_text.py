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
    """ "'e' .31  ' ' .12 …", the right answer in bold green: short enough that a lens line
    fits beside the table at 80 columns."""
    text = Text()
    for n, (token, p) in enumerate(guesses):
        if n:
            text.append(" ")
        shown = f"{p:.2f}".removeprefix("0")
        text.append(f"{label_text(token):>2} {shown}", style="bold green" if token == right else "")
    return text


def token_at(look: Look, i: int) -> str:
    return f"{i} {label_text(look.tokens[i])!r}"


def losses_text(look: Look) -> Text:
    """The line "Next-token loss" (a lesson points at it), and what the heads off cost."""
    text = Text("Next-token loss: first half ")
    text.append(f"{look.first_half:.2f}", style="bold")
    text.append(" · repeated half ")
    text.append(f"{look.repeated:.2f}", style="bold")
    gain = look.first_half - look.repeated
    text.append(
        f"  (the repeat is {gain:.2f} easier)" if gain > 0 else "  (the repeat is no easier)",
        style="dim",
    )
    if look.off:
        text.append(f"\nOff: {heads_named(look.off)} → repeated half ")
        text.append(f"{look.repeated_off:.2f}", style="bold red")
        text.append(f" ({look.repeated_off - look.repeated:+.2f})")
    return text


def lens_text(look: Look) -> Text:
    """The logit lens at the look's position: each stage's guesses for the next token."""
    tokens, i = look.tokens, look.position
    right = tokens[i + 1] if i + 1 < len(tokens) else None
    text = Text(f"Logit lens at {token_at(look, i)}", style="bold")
    text.append(f", next {label_text(right)!r}" if right is not None else "", style="bold")
    text.append("  (, . move)", style="dim")
    for stage, guesses in look.lens:
        text.append(f"\n{stage:>10} ")
        text.append_text(guesses_text(guesses, right))
    return text


def repeat_text(look: Look) -> Text:
    """The passage's two halves, and the guesses at each position of the repeat."""
    half, tokens = look.half, look.tokens
    text = Text(f"The passage: {half} tokens, then the same {half} again. ", style="dim")
    text.append("In the repeat (heads off as set), the next token's guesses:", style="dim")
    for i, guesses in look.guesses:
        right = tokens[i + 1] if i + 1 < len(tokens) else None
        text.append(f"\n{token_at(look, i):>8} →")
        text.append_text(guesses_text(guesses, right))
    return text
