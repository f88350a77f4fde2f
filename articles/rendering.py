"""Article bodies: Markdown in, safe HTML out (rendered once, when an article is saved).

Syntax an editor may use on top of Markdown (also in the admin help text):

- `::: warning Get urgent help` … `:::` a red-flag callout; `::: tip Title` and `::: note Title` too.
- `{{exercise:knee-to-chest}}` on a line of its own: a card for that exercise from the library.
- `[Knee to chest](exercise:knee-to-chest)`: a link to that exercise's page (works in tables).

Raw HTML is not allowed in the Markdown, and whatever comes out is cleaned by nh3 with an allow-list,
so the stored HTML never carries scripts, event handlers, styles, frames or forms.
"""

import re
from dataclasses import dataclass, field

import nh3
from django.template.loader import render_to_string
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin

CALLOUTS = {"warning": "Warning", "tip": "Tip", "note": "Note"}
EXERCISE_EMBED = re.compile(r"^\{\{\s*exercise:([a-z0-9]+(?:-[a-z0-9]+)*)\s*\}\}$")
EXERCISE_LINK = re.compile(r"^exercise:([a-z0-9]+(?:-[a-z0-9]+)*)$")
EXERCISE_MENTION = re.compile(r"\{\{\s*exercise:([^}\s]*)\s*\}\}|\]\(exercise:([^)\s]*)\)")

ALLOWED_TAGS = {
    "a", "abbr", "article", "aside", "blockquote", "br", "code", "div", "em", "h2", "h3", "h4", "h5",
    "h6", "hr", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "h2": {"id"},
    "h3": {"id"},
    "aside": {"aria-label"},
    "th": {"scope"},
    "ol": {"start"},
}
ALLOWED_CLASSES = {
    "aside": {"callout", *(f"callout-{name}" for name in CALLOUTS)},
    "p": {"callout-title", "mb-1", "mb-0", "small"},
    "div": {"table-responsive", "exercise-card", "card-body"},
    "table": {"table", "table-sm"},
    "article": {"card", "exercise-card", "my-3"},
    "h3": {"h5", "card-title"},
    "a": {"stretched-link"},
}


@dataclass
class Rendered:
    html: str
    toc: list[dict] = field(default_factory=list)
    exercise_slugs: list[str] = field(default_factory=list)


def _callout_renderer(name: str):
    def render(self, tokens, idx, _options, _env):
        token = tokens[idx]
        if token.nesting == 1:
            title = token.info.strip()[len(name) :].strip() or CALLOUTS[name]
            return (
                f'<aside class="callout callout-{name}" aria-label="{escapeHtml(title)}">'
                f'<p class="callout-title">{escapeHtml(title)}</p>\n'
            )
        return "</aside>\n"

    return render


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    md.use(anchors_plugin, min_level=2, max_level=3)
    for name in CALLOUTS:
        md.use(container_plugin, name=name, render=_callout_renderer(name))
    md.add_render_rule("table_open", lambda *_: '<div class="table-responsive"><table class="table">\n')
    md.add_render_rule("table_close", lambda *_: "</table></div>\n")
    return md


_MD = _parser()


def mentioned_exercise_slugs(body: str) -> list[str]:
    """Every exercise an editor named in a body, in order, without duplicates (even malformed slugs)."""
    slugs = [embed or link for embed, link in EXERCISE_MENTION.findall(body or "")]
    return list(dict.fromkeys(slugs))


def _exercise_card(exercise) -> str:
    return render_to_string("articles/_exercise_card.html", {"exercise": exercise})


def render_markdown(body: str, exercises: dict | None = None) -> Rendered:
    """Render and sanitise a body. `exercises` maps slug -> Exercise for the embeds; unknown ones are dropped."""
    exercises = exercises or {}
    env: dict = {}
    tokens = _MD.parse(body or "", env)
    toc, slugs = [], []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h2", "h3") and token.attrGet("id"):
            toc.append({"id": token.attrGet("id"), "title": tokens[index + 1].content, "level": int(token.tag[1])})
        if token.type == "inline":
            match = EXERCISE_EMBED.match(token.content.strip())
            if match and tokens[index - 1].type == "paragraph_open":
                slug = match.group(1)
                slugs.append(slug)
                exercise = exercises.get(slug)
                # Replace the paragraph with a card: the paragraph tokens become empty, the inline one the card.
                tokens[index - 1].hidden = tokens[index + 1].hidden = True
                tokens[index - 1].type = tokens[index + 1].type = "text"
                tokens[index - 1].content = tokens[index + 1].content = ""
                token.type, token.children = "html_block", None
                token.content = _exercise_card(exercise) if exercise else ""
                continue
            for child in token.children or []:
                if child.type == "link_open":
                    link = EXERCISE_LINK.match(child.attrGet("href") or "")
                    if link:
                        slugs.append(link.group(1))
                        exercise = exercises.get(link.group(1))
                        child.attrSet("href", exercise.get_absolute_url() if exercise else "#")
    html = _MD.renderer.render(tokens, _MD.options, env)
    return Rendered(html=clean_html(html), toc=toc, exercise_slugs=list(dict.fromkeys(slugs)))


def clean_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


# --- Content checks shown to editors ----------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z0-9’']+")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)|\n\s*\n")


def _syllables(word: str) -> int:
    word = word.lower().strip("'’")
    if not word:
        return 0
    count = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(count, 1)


def plain_text(body: str) -> str:
    text = re.sub(r"\{\{[^}]*\}\}|^:::.*$|[#*_`>|~\[\]()-]", " ", body or "", flags=re.M)
    return re.sub(r"exercise:\S+|https?://\S+", " ", text)


def content_checks(body: str) -> dict:
    """Word count and Flesch reading ease (206.835 − 1.015·words/sentence − 84.6·syllables/word)."""
    text = plain_text(body)
    words = _WORD.findall(text)
    if not words:
        return {"words": 0, "flesch": None, "band": "no text yet"}
    sentences = max(len([s for s in _SENTENCE_END.split(text) if _WORD.search(s)]), 1)
    syllables = sum(_syllables(word) for word in words)
    score = round(206.835 - 1.015 * (len(words) / sentences) - 84.6 * (syllables / len(words)), 1)
    return {"words": len(words), "flesch": score, "band": flesch_band(score)}


def flesch_band(score: float) -> str:
    if score >= 70:
        return "easy to read"
    if score >= 60:
        return "plain English"
    if score >= 50:
        return "fairly difficult"
    return "difficult"
