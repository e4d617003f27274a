"""The toy tasks: the pizza sentences (`sentences`), the number translator (`seq2seq_model`),
and what they share (`runner`)."""
