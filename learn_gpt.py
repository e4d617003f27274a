"""`python -m learn_gpt` runs the `learn-gpt` command."""

from tui.cli import main

if __name__ == "__main__":
    main()
