"""The XSS corpus: strings that, if a page or an email let them through as markup, run script.

Every payload that runs sets a sentinel: `window.__xss = 1`, `document.title = 'XSS'` or an `alert`
(a dialog). The ones that need a click or a hover (javascript: links, onmouseover) are caught by the
DOM scan in test_xss.py instead: no element may carry an on* attribute, a javascript:/data: URL or a
<script> made from what a user typed. Each payload stays under 120 characters so it fits a name field.
"""

S = "window.__xss=1"

PAYLOADS: list[str] = [
    # Script tags
    f"<script>{S}</script>",
    f"<SCRIPT>{S}</SCRIPT>",
    f"<script type='text/javascript'>{S}</script>",
    f"<scr<script>ipt>{S}</scr</script>ipt>",
    "<script src=data:text/javascript,window.__xss=1></script>",
    f"</title><script>{S}</script>",
    f"</textarea><script>{S}</script>",
    f"</script><script>{S}</script>",
    f"</style><script>{S}</script>",
    f"<!--<script>{S}</script>-->",
    # Event handlers
    f"<img src=x onerror={S}>",
    f'<img src="x" onerror="{S}">',
    "<img src=x onerror=alert('XSS')>",
    f"<body onload={S}>",
    f"<svg onload={S}>",
    f"<svg><script>{S}</script></svg>",
    f"<svg/onload={S}>",
    f"<svg><animate onbegin={S} attributeName=x dur=1s>",
    f"<input autofocus onfocus={S}>",
    f"<details open ontoggle={S}>",
    f"<video><source onerror={S}></video>",
    f"<audio src=x onerror={S}>",
    f"<iframe srcdoc='<script>parent.{S}</script>'></iframe>",
    f"<marquee onstart={S}>x</marquee>",
    f"<div onmouseover={S}>hover me</div>",
    f"<math><mtext><img src=x onerror={S}></mtext></math>",
    # javascript: and data: URLs
    f"<a href='javascript:{S}'>click</a>",
    f"<a href=JaVaScRiPt:{S}>click</a>",
    f"<a href='&#106;avascript:{S}'>click</a>",
    f"<a href='java\tscript:{S}'>tab</a>",
    "<a href='data:text/html,<script>window.__xss=1</script>'>data</a>",
    "<iframe src=javascript:window.__xss=1></iframe>",
    "<object data='data:text/html,<script>parent.__xss=1</script>'></object>",
    "<embed src='data:image/svg+xml,<svg onload=parent.__xss=1>'>",
    f"<form action=javascript:{S}><button>go</button></form>",
    f"<button formaction=javascript:{S}>go</button>",
    # Broken and unclosed markup
    f"<img src=x onerror={S}//",
    f"<img src=x onerror='{S}'",
    f"<<script>{S}//<</script>",
    f"<svg onload={S}",
    f'"><img src=x onerror={S}>',
    f"'><svg onload={S}>",
    # Attribute breakouts
    f'" onmouseover="{S}" x="',
    f"' onfocus='{S}' autofocus='",
    f'" autofocus onfocus="{S}',
    f"` onerror=`{S}",
    # Encoded variants
    f"&lt;script&gt;{S}&lt;/script&gt;",
    "&#60;img src=x onerror=window.__xss=1&#62;",
    f"%3Cscript%3E{S}%3C%2Fscript%3E",
    f"\\u003cscript\\u003e{S}\\u003c/script\\u003e",
    f"\uff1cscript\uff1e{S}\uff1c/script\uff1e",
    "<img src=x onerror=&#119;indow.__xss=1>",
    "<img src=x onerror=eval(atob('d2luZG93Ll9feHNzPTE='))>",
    # Template syntax (Django, Jinja, Angular-style)
    "{{ request }}",
    "{% debug %}",
    "{{ settings.SECRET_KEY }}",
    "{% load static %}{% static 'x' %}",
    "{{ 7*7 }} ${7*7} #{7*7}",
    "{{constructor.constructor('window.__xss=1')()}}",
    # Markdown link and image injections
    f"[click me](javascript:{S})",
    "[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
    f'![x](x" onerror="{S})',
    f'[x](https://example.com "title" onmouseover="{S}")',
    f'<https://example.com/"onmouseover="{S}>',
    f"[link]: javascript:{S}",
    # CSS
    "<style>@import 'data:,*{x:expression(window.__xss=1)}';</style>",
    "<div style=\"background:url('javascript:window.__xss=1')\">s</div>",
    "<link rel=stylesheet href=javascript:window.__xss=1>",
    "<meta http-equiv=refresh content='0;url=javascript:window.__xss=1'>",
    "<base href=javascript:window.__xss=1//>",
]

assert len(PAYLOADS) >= 50
assert all(len(payload) <= 120 for payload in PAYLOADS), [p for p in PAYLOADS if len(p) > 120]
assert len(set(PAYLOADS)) == len(PAYLOADS)


def packed(limit: int, separator: str = " ") -> list[str]:
    """The corpus packed into as few strings of at most `limit` characters as fit (first fit, longest first),
    for short fields: fewer strings means fewer objects and page loads."""
    out: list[str] = []
    for payload in sorted(PAYLOADS, key=len, reverse=True):
        for index, value in enumerate(out):
            if len(value) + len(separator) + len(payload) <= limit:
                out[index] = value + separator + payload
                break
        else:
            out.append(payload)
    return out


ALL = "\n\n".join(PAYLOADS)  # the whole corpus, for text fields without a length limit
