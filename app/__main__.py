"""``python -m app`` launches xrjig like the ``xrjig`` console script."""

import sys

from app.cli import main

sys.exit(main())
