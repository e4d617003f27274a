"""Exercise: update_mini_batch — one step of stochastic gradient descent.

Write the function below, then check it:  learn-gpt exercise check update_mini_batch
You may add your own experiments under `if __name__ == "__main__":`; the check only calls
the function.
"""

import torch  # noqa: F401 - you will need it


def update_mini_batch(weights, biases, x, y, eta, lmbda, n, backprop):
    """One step of gradient descent on the mini-batch (x, y); return (weights, biases).

    Everything is a torch tensor (float32); examples are COLUMNS:

    - weights, biases: lists as in the backprop exercise: weights[l] (n_out, n_in),
      biases[l] (n_out, 1)
    - x: the inputs, shape (n_in, m); y: the desired outputs, shape (n_last, m); m may be 1
    - eta: the learning rate η; lmbda: the L2 regularisation parameter λ (may be 0)
    - n: the number of examples in the whole training set
    - backprop: a working function, backprop(weights, biases, x, y) -> (nabla_b, nabla_w),
      giving the gradient of the cost SUMMED over the m examples

    The update (the book's chapter 3, with L2 weight decay):
      w ← (1 − ηλ/n) w − (η/m) nabla_w
      b ← b − (η/m) nabla_b
    Return (new_weights, new_biases), two lists shaped like the inputs. Updating the weight
    and bias tensors in place and returning them is fine too.
    """
    raise NotImplementedError("write this yourself")
