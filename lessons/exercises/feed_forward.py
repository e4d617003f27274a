"""Exercise: feed_forward — the feed-forward layer, as a PyTorch module (the lecture's
FeedForward).

Write the class below, then check it:  learn-gpt exercise check feed_forward
The check builds your FeedForward, gives it the weights of the engine's by attribute name (so
keep the names below), and compares the two on many inputs. You may add your own experiments
under `if __name__ == "__main__":`; the check only uses the class.
"""

import torch  # noqa: F401 - you will need it
from torch import nn


class FeedForward(nn.Module):
    """After attention lets the positions talk, each position thinks on its own: a linear
    layer 4x wider, a ReLU, a linear layer back to n_embd.

    - n_embd: the size C of each position's vector in x
    - dropout: the probability of dropping an output while training

    forward(x): x (B, T, n_embd), float32 → out (B, T, n_embd)

    In __init__, with this name (the check loads the weights by name):
      self.net: nn.Sequential of, in this order,
        nn.Linear(n_embd, 4 * n_embd), nn.ReLU(), nn.Linear(4 * n_embd, n_embd),
        nn.Dropout(dropout)
      (so its weights are net.0.weight, net.0.bias, net.2.weight and net.2.bias)

    In forward: return self.net(x)
    """

    def __init__(self, n_embd, dropout=0.0):
        super().__init__()
        raise NotImplementedError("write this yourself")

    def forward(self, x):
        raise NotImplementedError("write this yourself")
