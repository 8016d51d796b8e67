"""film: turn a few sentences into a finished short film from the shell."""

__version__ = "0.1.0"
