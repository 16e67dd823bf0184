"""cxdesk.widgets package."""
