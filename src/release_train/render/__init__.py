"""Renderers: pure functions from the values the flows return to text (an SVG timeline, an HTML
dashboard, a Markdown summary). They read nothing and write nothing; the CLI writes the files."""
