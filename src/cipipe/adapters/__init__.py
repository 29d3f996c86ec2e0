"""Every outside system behind a small interface, with its implementations beside it."""
