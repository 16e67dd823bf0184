"""cxdesk: the desk software council frontline staff reach for first."""

__version__ = "0.1.0"
