"""Allow ``python -m cxdesk``."""

from cxdesk.cli import main

main()
