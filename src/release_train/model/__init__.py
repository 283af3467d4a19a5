"""Pure values and functions: no I/O, no subprocess, no clock."""
