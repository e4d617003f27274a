"""Exercise: multi_head — several heads side by side, as a PyTorch module (the lecture's
MultiHeadAttention).

Write the class below, then check it:  learn-gpt exercise check multi_head
The check builds your class with the engine's Head as `head`, gives it the weights of the
engine's MultiHeadAttention by attribute name (so keep the names below), and compares the two
on many inputs. You may add your own experiments under `if __name__ == "__main__":`; the check
only uses the class.
"""

import torch  # noqa: F401 - you will need it
from torch import nn

from engine.ladder_pieces import Head


class MultiHeadAttention(nn.Module):
    """num_heads heads of self-attention in parallel, their outputs joined side by side and
    projected back to n_embd.

    - n_embd: the size C of each position's vector in x
    - num_heads, head_size: the number of heads and the size of each
    - block_size, dropout: passed on to each head
    - head: the class to build each head with, as head(n_embd, head_size, block_size,
      dropout): the class you are given, the engine's or yours; do not pick one yourself

    forward(x): x (B, T, n_embd), float32 → out (B, T, n_embd)

    In __init__, with these names (the check loads the weights by name):
      self.heads: nn.ModuleList of num_heads heads (each its own, not one repeated)
      self.proj: nn.Linear(num_heads * head_size, n_embd)
      self.dropout: nn.Dropout(dropout)

    In forward:
      1. run every head on x: num_heads tensors of (B, T, head_size)
      2. join them on the last dim, torch.cat(..., dim=-1): (B, T, num_heads * head_size),
         head h's outputs in columns h·head_size to (h+1)·head_size − 1
      3. out = self.dropout(self.proj(joined))
    """

    def __init__(self, n_embd, num_heads, head_size, block_size, dropout=0.0, head=Head):
        super().__init__()
        raise NotImplementedError("write this yourself")

    def forward(self, x):
        raise NotImplementedError("write this yourself")
