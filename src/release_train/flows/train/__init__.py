"""The train's own steps: cut, release, tag (and held tags), bump, the train without release
branches (mainline), tick, status."""
