"""Command groups of the `yidu` CLI, one module each (see yidu/cli.py)."""
