"""Exercise: positional_encoding — the sinusoidal table of "Attention Is All You Need".

Write the function below, then check it:  learn-gpt exercise check positional_encoding
You may add your own experiments under `if __name__ == "__main__":`; the check only calls
the function.
"""

import torch  # noqa: F401 - you will need it


def positional_encoding(T, d):
    """The (T, d) table of position vectors: row `pos` is added to the token at position pos.

    T and d are ints (T ≥ 1 positions, d ≥ 1 columns). Return a float torch tensor of shape
    (T, d) with, for positions pos = 0, 1, ..., T − 1 and pair index i = 0, 1, ...:

      PE[pos, 2i]     = sin(pos / 10000^(2i/d))
      PE[pos, 2i + 1] = cos(pos / 10000^(2i/d))

    Each pair of columns (a sine, then a cosine) shares one frequency. If d is odd, the last
    column is a sine without its cosine.
    """
    raise NotImplementedError("write this yourself")
