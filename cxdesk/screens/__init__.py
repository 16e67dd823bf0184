"""cxdesk.screens package."""
