"""Exercise: multi_head_attention — nanoGPT's CausalSelfAttention, by hand.

Write the function below, then check it:  learn-gpt exercise check multi_head_attention
You may add your own experiments under `if __name__ == "__main__":`; the check only calls
the function.
"""

import torch  # noqa: F401 - you will need it


def multi_head_attention(x, w_qkv, w_proj, n_head):
    """Causal multi-head self-attention of x; returns out, shape (B, T, C).

    All torch tensors (float32), no biases, no dropout:

    - x: shape (B, T, C): B sequences of T positions, each a vector of C numbers (B, T ≥ 1)
    - w_qkv: shape (C, 3C); x @ w_qkv is (B, T, 3C), whose last dim holds q, k and v in
      that order: q = columns 0..C−1, k = columns C..2C−1, v = columns 2C..3C−1
    - w_proj: shape (C, C), the output projection: out = y @ w_proj
    - n_head: the number of heads; C is divisible by it; each head has hs = C // n_head

    Steps:
      1. q, k, v = the three (B, T, C) parts of x @ w_qkv
      2. split each into heads: head h takes columns h·hs .. (h+1)·hs − 1, giving
         (B, n_head, T, hs) (view as (B, T, n_head, hs), then transpose dims 1 and 2)
      3. in every head, causal scaled dot-product attention, scale 1/√hs (the previous
         exercise): weights (B, n_head, T, T), y = weights @ v, (B, n_head, T, hs)
      4. join the heads side by side: head h back in columns h·hs .. (h+1)·hs − 1 of a
         (B, T, C) tensor y
      5. out = y @ w_proj
    Do not change the inputs in place.
    """
    raise NotImplementedError("write this yourself")
