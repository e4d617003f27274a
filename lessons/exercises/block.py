"""Exercise: block — a transformer block, as a PyTorch module (the lecture's Block).

Write the class below, then check it:  learn-gpt exercise check block
The check builds your Block with the engine's MultiHeadAttention, FeedForward and LayerNorm
(and once with no norm at all), gives it the weights of the engine's Block by attribute name (so
keep the names below), and compares the two on many inputs. You may add your own experiments
under `if __name__ == "__main__":`; the check only uses the class.
"""

import torch  # noqa: F401 - you will need it
from torch import nn

from engine.ladder_pieces import FeedForward, LayerNorm, MultiHeadAttention


class Block(nn.Module):
    """Communication, then computation: attention lets the positions talk, the feed-forward
    layer thinks on each; each is added to x (a residual), after a layer norm (pre-norm).

    - n_embd: the size C of each position's vector in x
    - n_head: the number of heads; each has head_size = n_embd // n_head
    - block_size, dropout: passed on to the attention and the feed-forward layer
    - attention, feed_forward, norm: the classes to build the parts with (the ones you are
      given, the engine's or yours; do not pick them yourself):
        attention(n_embd, n_head, head_size, block_size, dropout),
        feed_forward(n_embd, dropout), norm(n_embd)

    forward(x): x (B, T, n_embd), float32 → out (B, T, n_embd)

    In __init__, with these names (the check loads the weights by name):
      self.sa = attention(...), self.ffwd = feed_forward(...),
      self.ln1 = norm(n_embd), self.ln2 = norm(n_embd)

    In forward:
      1. x = x + self.sa(self.ln1(x))
      2. x = x + self.ffwd(self.ln2(x))
      3. return x
    """

    def __init__(
        self,
        n_embd,
        n_head,
        block_size,
        dropout=0.0,
        attention=MultiHeadAttention,
        feed_forward=FeedForward,
        norm=LayerNorm,
    ):
        super().__init__()
        raise NotImplementedError("write this yourself")

    def forward(self, x):
        raise NotImplementedError("write this yourself")
