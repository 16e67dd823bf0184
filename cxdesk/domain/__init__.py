"""cxdesk.domain package."""
