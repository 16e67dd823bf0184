"""Thin route modules: parse, call the transaction functions, answer."""
