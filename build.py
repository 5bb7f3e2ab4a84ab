"""Build the Downhill site: ``python build.py [build|serve] [--content DIR] [--out DIR]``."""

import sys

from downhill.cli import main

if __name__ == "__main__":
    sys.exit(main())
