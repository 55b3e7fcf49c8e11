"""``python -m api.cli …``: the same commands as the ``policykg`` console script."""
import sys

from api.cli import main

sys.exit(main())
