"""Escaping for the XML, HTML and Markdown the renderers write. Every string that comes from a
repository, a forge or a registry (branch names, PR titles, advisory texts) goes through here."""

from __future__ import annotations

import html
import re

# Characters XML 1.0 cannot carry even escaped (C0 controls but tab, CR and LF; lone surrogates;
# U+FFFE/U+FFFF): a PR title holding one would make the whole page unparsable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def esc(value: object) -> str:
    """`value` as XML/HTML text or attribute content (quotes escaped too)."""
    return html.escape(_NOT_XML.sub("\ufffd", str(value)), quote=True)


def md_cell(value: object) -> str:
    """`value` inside a Markdown table cell: HTML escaped (GitHub renders inline HTML), pipes
    escaped and line breaks kept as <br>, so the row stays one row."""
    text = esc(value).replace("|", "\\|").replace("`", "&#96;")
    return "<br>".join(part.strip() for part in text.splitlines()) or " "


def md_text(value: object) -> str:
    """`value` as Markdown running text: HTML escaped, no character that starts markup."""
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", esc(value))
