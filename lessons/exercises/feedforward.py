"""Exercise: feedforward — the forward pass of Nielsen's network.

Write the function below, then check it:  learn-gpt exercise check feedforward
You may add your own experiments under `if __name__ == "__main__":`; the check only calls
the function.
"""

import torch  # noqa: F401 - you will need it


def feedforward(weights, biases, a):
    """The network's output for the inputs `a`, as in the book: a ← σ(w a + b), layer by layer.

    Everything is a torch tensor (float32). Examples are COLUMNS, as in the book's chapter 2:

    - weights: a list with one matrix per layer of weights; weights[l] has shape
      (n_out, n_in), so weights[0] of the book's 784-30-10 network is (30, 784)
    - biases: a list of the same length; biases[l] has shape (n_out, 1)
    - a: the input, shape (n_in, m), one example per column (m may be 1)

    Every layer, the output layer too, uses the sigmoid σ(z) = 1 / (1 + e^(−z))
    (torch.sigmoid). Return the output layer's activations, shape (n_last, m).
    Do not change `weights`, `biases` or `a` in place.
    """
    raise NotImplementedError("write this yourself")
