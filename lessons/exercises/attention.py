"""Exercise: attention — scaled dot-product attention with a causal mask.

Write the function below, then check it:  learn-gpt exercise check attention
You may add your own experiments under `if __name__ == "__main__":`; the check only calls
the function.
"""

import torch  # noqa: F401 - you will need it


def attention(q, k, v, causal=True):
    """(out, weights): every query asks every key how well it matches, then averages the values.

    All torch tensors (float32), with any leading dimensions "...", e.g. none, (B,) or (B, H):

    - q: queries, shape (..., T, d)
    - k: keys, shape (..., T, d)
    - v: values, shape (..., T, d_v) (d_v may differ from d)
    - causal: if True, query i may look only at keys j ≤ i (itself and the past)

    Steps:
      1. scores = q kᵀ / √d                   shape (..., T, T); transpose the last two dims
      2. if causal: set scores[..., i, j] to -inf wherever j > i
      3. weights = softmax of scores over the KEYS (the last dim): each row sums to 1
      4. out = weights @ v                     shape (..., T, d_v)
    Return (out, weights). Do not change q, k or v in place.
    """
    raise NotImplementedError("write this yourself")
