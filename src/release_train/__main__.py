import sys

from release_train.cli import main

sys.exit(main())
