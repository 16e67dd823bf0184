"""cxdesk.sync package."""
