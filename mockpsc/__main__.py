import sys

from mockpsc.cli import main

sys.exit(main())
