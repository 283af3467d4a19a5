"""Work on release lines: patch releases, backports, which lines are supported and targeted."""
