"""`python -m bot` is the same as `frontdoor`."""
import sys

from bot.cli import main

sys.exit(main())
