"""The checks behind `engine.exercises`: one module per exercise, `common` for what they share,
and `runner`, the child process that imports a learner's file and compares it with the reference.

Each exercise module holds the fixed-seed cases, the reference (the engine's own function, or
autograd), and the known mistakes it recognises, each with the hint it gives.
"""

NAMES = (
    "feedforward",
    "backprop",
    "update_mini_batch",
    "positional_encoding",
    "attention",
    "multi_head_attention",
    "sample",
    "head",
    "multi_head",
    "feed_forward",
    "block",
    "layer_norm",
)
