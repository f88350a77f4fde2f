"""What changed between two texts, word by word, as HTML a reviewer reads: removed words struck through in
<del>, added words in <ins>."""

import difflib
import re

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

TOKENS = re.compile(r"\s+|\S+\s*")  # a word with the space after it, so spaces never split a change


def word_diff(old: str, new: str) -> SafeString:
    before, after = (TOKENS.findall(text.replace("\r\n", "\n")) for text in (old, new))
    parts = []
    words = [[token.strip() for token in tokens] for tokens in (before, after)]  # spacing alone is no change
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, *words, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            parts.append(format_html("<del>{}</del>", "".join(before[i1:i2])))
        if op in ("insert", "replace"):
            parts.append(format_html("<ins>{}</ins>", "".join(after[j1:j2])))
        if op == "equal":
            parts.append(escape("".join(after[j1:j2])))
    return format_html_join("", "{}", ((part,) for part in parts))  # each part is escaped already


def changes(live: dict, working: dict, labels: dict[str, str]) -> list[dict]:
    """One row per field that differs: its label and the word diff."""
    return [
        {"label": labels[name], "diff": word_diff(_text(live[name]), _text(working[name]))}
        for name in labels
        if live[name] != working[name]
    ]


def _text(value) -> str:
    if isinstance(value, list):  # FAQs: question and answer per row
        return "\n\n".join(f"Q: {question}\nA: {answer}" for question, answer in value)
    return str(value)
