"""One module per command area; each defines ``register(cli)``."""
