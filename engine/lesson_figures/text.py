"""The experiments behind lesson 3: text as tokens and tokens as vectors, in the Attention
pane (the shipped character GPT and the pizza sentence word model)."""

from __future__ import annotations

from engine.lesson_figures.registry import Values, experiment

SHIPPED_SENTENCE = "To be, or not to be"  # lesson 3's steps 1, 3 and 4
WORD_SENTENCE = "the pizza came out of the oven and it tasted good . =>"  # its step 2


@experiment()
def text_tokens() -> Values:
    """Loads the shipped character GPT and the pizza sentence word model as the Attention pane
    does, and looks at lesson 3's sentences through the pane's `inspect_attention` and
    `embeddings` (scaled_dot, causal): vocabulary sizes, digits among the characters, tokens
    per sentence (and of "=>"), the embedding width and the sin/cos table's shape."""
    from engine.data.sources import PRETRAINED_GPT, PRETRAINED_SENTENCES
    from engine.gpt_checkpoint import load_model
    from engine.inspect import embeddings, inspect_attention

    model, chars = load_model(PRETRAINED_GPT)
    look = inspect_attention(model, chars, SHIPPED_SENTENCE, score="scaled_dot", mask="causal")
    parts = embeddings(model, chars, SHIPPED_SENTENCE)
    words_model, words = load_model(PRETRAINED_SENTENCES)
    words_look = inspect_attention(
        words_model, words, WORD_SENTENCE, score="scaled_dot", mask="causal"
    )
    return {
        "char_vocab": chars.vocab_size,
        "char_digits": sum(piece.isdigit() for piece in chars.pieces),
        "char_tokens": len(look.tokens),
        "word_vocab": words.vocab_size,
        "word_tokens": len(words_look.tokens),
        "arrow_tokens": len(words.tokens("=>")),
        "embed_width": parts["token"].shape[1],
        "sincos_rows": parts["sinusoidal"].shape[0],
        "sincos_cols": parts["sinusoidal"].shape[1],
    }
