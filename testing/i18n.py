"""What a translated page still says in English: the tests of the Spanish pages, emails and handout read it.

Clinical content (articles, the library's exercise text, the questionnaires' items) stays in English and is marked
lang="en"; everything else the patient reads must be in their language. `english_left` reads the text a person
sees or hears (text, and the alt, title, aria-label and placeholder attributes) outside any element marked
lang="en", and returns the common English words found there: a string nobody marked for translation shows up.
"""

import re
from html.parser import HTMLParser

# Words that are common in our English and absent from Spanish.
ENGLISH_WORDS = re.compile(r"\b(the|your|you|and|with|this|have|not|are)\b", re.IGNORECASE)
HEARD_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
NEVER_READ = {"script", "style", "template"}


class _Reader(HTMLParser):
    def __init__(self, skip_classes: tuple[str, ...], skip_attributes: tuple[str, ...], skip_tags: tuple[str, ...]):
        super().__init__(convert_charrefs=True)
        self.skip_classes, self.skip_attributes = set(skip_classes), set(skip_attributes)
        self.skip_tags = NEVER_READ | set(skip_tags)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped with everything inside it)
        self.read: list[str] = []

    def _skipped(self) -> bool:
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        skipped = (
            tag in self.skip_tags
            # lang="en" inside the page marks clinical content; the <html> element's is the page's own language.
            or (tag != "html" and (found.get("lang") or "").lower().startswith("en"))
            or bool(self.skip_classes & set((found.get("class") or "").split()))
            or bool(self.skip_attributes & set(found))
        )
        if not skipped and not self._skipped():
            self.read.extend(found[name] for name in HEARD_ATTRIBUTES if found.get(name))
        if tag not in VOID:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if not self._skipped():
            self.read.append(data)


def readable_text(
    html: str,
    *,
    skip_classes: tuple[str, ...] = (),
    skip_attributes: tuple[str, ...] = (),
    skip_tags: tuple[str, ...] = (),
) -> str:
    """The text of `html` outside elements marked lang="en" (and outside the classes, attributes and tags given)."""
    reader = _Reader(skip_classes, skip_attributes, skip_tags)
    reader.feed(html)
    reader.close()
    return re.sub(r"\s+", " ", " ".join(reader.read)).strip()


def english_left(html: str, **skip) -> list[str]:
    """The English words `readable_text` finds, each with a little of the text around it to find the string."""
    text = readable_text(html, **skip)
    return [text[max(m.start() - 40, 0) : m.end() + 40] for m in ENGLISH_WORDS.finditer(text)]


def english_in_email(message) -> list[str]:
    """`english_left` for a sent email: its subject, its text body and its HTML body."""
    html = next(content for content, mimetype in message.alternatives if mimetype == "text/html")
    text = " ".join([message.subject, message.body, readable_text(html)])
    return [text[max(m.start() - 40, 0) : m.end() + 40] for m in ENGLISH_WORDS.finditer(text)]
