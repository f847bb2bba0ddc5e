"""`python -m cpsl app.py:app` is the same as `python -m cpsl.runner app.py:app`."""
import sys

from .runner import main

sys.exit(main())
