"""One module per feature, each registering a ``Component`` (see ``cxdesk.store.components``)."""
