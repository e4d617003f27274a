"""learn-gpt's terminal faces: the Textual app and the `learn-gpt` command line."""
