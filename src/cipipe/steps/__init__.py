"""One module per pipeline step: plain functions from inputs to a contract object."""
