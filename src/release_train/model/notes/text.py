"""Line-level helpers shared by the notes shapes: splitting that keeps every byte, Markdown
headings that ignore code blocks and HTML comments, and dropping empty subsections.

A notes file is handled as a list of lines, each with its own line ending, so joining them gives
the file back byte for byte; a shape edits only the lines it owns.
"""

from __future__ import annotations

import re

_HEADING = re.compile(r"^ {0,3}(?P<hashes>#{1,6})\s+(?P<title>\S.*?)(?:\s+#+)?\s*$")
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")


def split_lines(text: str) -> list[str]:
    """Lines with their endings (`\\n` or `\\r\\n`); unlike `str.splitlines`, only `\\n` ends a
    line, so line numbers are an editor's and `"".join` gives `text` back."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def bare(line: str) -> str:
    return line.rstrip("\r\n")


def ending(line: str) -> str:
    return line[len(bare(line)) :]


def eol(lines: list[str]) -> str:
    """The file's line ending, so inserted lines match it."""
    return "\r\n" if lines and lines[0].endswith("\r\n") else "\n"


def live(lines: list[str]) -> list[bool]:
    """For each line: True when it is Markdown text, False inside a fenced code block or a
    multi-line HTML comment (a heading there is not a heading)."""
    flags: list[bool] = []
    fence = ""
    in_comment = False
    for line in lines:
        text = bare(line)
        if in_comment:
            flags.append(False)
            in_comment = "-->" not in text
            continue
        if fence:
            flags.append(False)
            match = _FENCE.match(text)
            if match and match["fence"][0] == fence[0] and len(match["fence"]) >= len(fence):
                fence = ""
            continue
        match = _FENCE.match(text)
        if match:
            fence = match["fence"]
            flags.append(False)
            continue
        opened = text.rfind("<!--")
        if opened != -1 and "-->" not in text[opened:]:
            in_comment = True
            flags.append(False)
            continue
        flags.append(True)
    return flags


def heading(line: str) -> tuple[int, str] | None:
    """(level, title) of an ATX heading line, else None."""
    match = _HEADING.match(bare(line))
    return (len(match["hashes"]), match["title"]) if match else None


def level_of(line: str, is_live: bool) -> int | None:
    found = heading(line) if is_live else None
    return found[0] if found else None


def has_entries(lines: list[str], flags: list[bool], skip: tuple[str, ...] = ()) -> bool:
    """True when some line is a note: not blank, not a heading, not starting with one of `skip`."""
    for line, is_live in zip(lines, flags, strict=True):
        text = bare(line).strip()
        if text and level_of(line, is_live) is None and not text.startswith(skip):
            return True
    return False


def drop_empty_subsections(lines: list[str], flags: list[bool]) -> list[str]:
    """The body of a section without its empty subsections: a heading of level 3 or deeper
    followed only by blank lines up to the next heading of its level or above (or the end) goes,
    with those blank lines. Repeated, so a `###` whose only child was an empty `####` goes too."""
    body = [(line, level_of(line, is_live)) for line, is_live in zip(lines, flags, strict=True)]
    dropped = True
    while dropped:
        dropped = False
        for k, (_, level) in enumerate(body):
            if level is None or level < 3:
                continue
            end = k + 1
            while end < len(body) and body[end][1] is None and not bare(body[end][0]).strip():
                end += 1
            following = body[end][1] if end < len(body) else 0
            if end == len(body) or (following is not None and following <= level):
                del body[k:end]
                dropped = True
                break
    return [line for line, _ in body]
