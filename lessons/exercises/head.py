"""Exercise: head — one head of causal self-attention, as a PyTorch module (the lecture's Head).

Write the class below, then check it:  learn-gpt exercise check head
The check builds your Head, gives it the weights of the engine's Head by attribute name (so keep
the names below), and compares the two on many inputs. You may add your own experiments under
`if __name__ == "__main__":`; the check only uses the class.
"""

import torch  # noqa: F401 - you will need it
from torch import nn
from torch.nn import functional as F  # noqa: F401 - F.softmax


class Head(nn.Module):
    """One head of causal self-attention: each position averages the values of itself and the
    positions before it, weighted by how well its query matches their keys.

    - n_embd: the size C of each position's vector in x
    - head_size: the size hs of the keys, queries and values
    - block_size: the longest sequence; forward gets T ≤ block_size positions
    - dropout: the probability of dropping an attention weight while training

    forward(x): x (B, T, n_embd), float32 → out (B, T, head_size)

    In __init__, with these names (the check loads the weights by name):
      self.key, self.query, self.value: nn.Linear(n_embd, head_size, bias=False) each
      self.tril: the (block_size, block_size) lower triangle of ones, kept with
                 self.register_buffer("tril", torch.tril(torch.ones(block_size, block_size)))
      self.dropout: nn.Dropout(dropout)

    In forward:
      1. k = self.key(x), q = self.query(x): (B, T, hs) each
      2. wei = q @ k.transpose(-2, -1) * hs ** -0.5: (B, T, T), scaled so the softmax
         does not saturate
      3. hide the future: wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
         (query i may look at keys j ≤ i)
      4. wei = F.softmax(wei, dim=-1), over the keys: each row sums to 1; then self.dropout(wei)
      5. out = wei @ self.value(x)
    """

    def __init__(self, n_embd, head_size, block_size, dropout=0.0):
        super().__init__()
        raise NotImplementedError("write this yourself")

    def forward(self, x):
        raise NotImplementedError("write this yourself")
