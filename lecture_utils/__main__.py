"""`python -m lecture_utils train | sample | evaluate`: see lecture_utils/cli.py."""
import sys

from .cli import main

sys.exit(main())
