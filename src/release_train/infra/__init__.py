"""Infrastructure: the one subprocess chokepoint, git, HTTP, atomic files, clock, locks."""
