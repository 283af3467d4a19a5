"""Adopting the tool: init (config, notes file, workflows) and doctor."""
