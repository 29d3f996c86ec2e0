"""Deciding how to roll a change out: policy, scoring, model, backtest."""
