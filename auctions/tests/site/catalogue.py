"""The English catalogue (locale/en) as patterns, to find English left on a page.

A page in Uzbek or Russian leaks English when it shows a msgid of the project's catalogue
as it is: untranslated, or printed without gettext. A msgid that the target catalogue
translates to itself on purpose (a name such as "Click") is allowed.
"""

import ast
import functools
import html
import re
from pathlib import Path

from django.conf import settings

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
# Text a reader sees: element text, plus the attributes shown to people or to the script
# that writes them onto the page (the live-update strings, the countdown's unit).
SHOWN_ATTRIBUTES = re.compile(
    r'\b(?:placeholder|title|aria-label|alt|data-offline|data-you|data-none|data-day-unit)="([^"]*)"'
)


def _entries(language: str) -> list[dict]:
    """(msgctxt, msgid, msgid_plural, msgstr...) of a .po file, obsolete entries left out."""
    path = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"
    entries, current, key = [], {}, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#~"):
            continue
        if not line.strip():
            if current.get("msgid"):
                entries.append(current)
            current, key = {}, None
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line)
        if match:
            key = match.group(1)
            current[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
    return entries


@functools.cache
def english_patterns(language: str) -> tuple[tuple[str, re.Pattern], ...]:
    """A pattern per English msgid (and plural) that `language` does not keep as it is."""
    kept = set()
    for entry in _entries(language):
        translations = [value for name, value in entry.items() if name.startswith("msgstr")]
        if entry["msgid"] in translations:
            kept.add((entry.get("msgctxt"), entry["msgid"]))
    patterns = []
    for entry in _entries("en"):
        if (entry.get("msgctxt"), entry["msgid"]) in kept:
            continue
        for text in filter(None, (entry["msgid"], entry.get("msgid_plural"))):
            pieces = PLACEHOLDER.split(text)
            if sum(len(re.findall(r"[A-Za-z]", piece)) for piece in pieces) < 3:
                continue  # "d", "m²": too short to tell English from a name or a unit
            holes = [_hole(name) for name in PLACEHOLDER.findall(text)]
            body = re.escape(pieces[0]) + "".join(
                hole + re.escape(piece) for hole, piece in zip(holes, pieces[1:], strict=True)
            )
            patterns.append((text, re.compile(rf"(?<![A-Za-z]){body}(?![A-Za-z])")))
    return tuple(patterns)


NUMBERS = {"count", "counter", "number", "minutes", "seconds", "min_length", "total"}


def _hole(placeholder: str) -> str:
    """What a placeholder stands for: a number for counts, any short text otherwise."""
    name = placeholder[2:-2] if placeholder.startswith("%(") else ""
    if name in NUMBERS or placeholder == "%d":
        return r"[0-9][0-9\s,.]*"
    return r"[^|]{1,80}?"


def shown_text(page_html: str) -> str:
    """What a reader sees of a server-rendered page: text and shown attributes."""
    body = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page_html)
    attributes = " | ".join(SHOWN_ATTRIBUTES.findall(body))
    text = re.sub(r"(?s)<[^>]+>", " | ", body)
    return html.unescape(re.sub(r"\s+", " ", f"{text} | {attributes}"))


def english_on(text: str, language: str) -> list[str]:
    """The English msgids that `text`, a page in `language`, shows."""
    return [msgid for msgid, pattern in english_patterns(language) if pattern.search(text)]
