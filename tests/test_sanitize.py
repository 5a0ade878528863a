"""The sanitizer turns hostile Markdown and HTML into inert HTML."""
from __future__ import annotations

import pytest

from comments_service import sanitize
from tests.helpers import approved_comment
from tests.inert import links, problems

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle/></svg>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">click</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">click</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
    "<a href=\" javascript:alert(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "[click]( javascript:alert(1) )",
    "![x](javascript:alert(1))",
    "<p style=\"background:url(javascript:alert(1))\">styled</p>",
    "<div onclick=\"alert(1)\">div</div>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<object data=\"x.swf\"></object>",
    "<form action=\"https://evil.example\"><input name=a></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<a href=\"https://ok.example\" onmouseover=\"alert(1)\" style=\"x\">ok</a>",
    "<<script>script>alert(1)<</script>/script>",
    "<base href=\"javascript:alert(1)//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<link rel=stylesheet href=//evil.example/x.css>",
    "`<script>alert(1)</script>` and ```\n<img src=x onerror=alert(1)>\n```",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<a href=\"https://ok.example\" target=\"_blank\">new tab</a>",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_renders_inert(source):
    html = sanitize.render_markdown(source)
    assert problems(html) == []
    # Sanitizing is stable: cleaning the output again changes nothing.
    assert sanitize.clean_html(html) == html


@pytest.mark.parametrize(
    "source, expected",
    [
        ("**bold** and _em_", "<p><strong>bold</strong> and <em>em</em></p>"),
        ("`code`", "<p><code>code</code></p>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("line one\nline two", "<p>line one<br>\nline two</p>"),
        ("~~gone~~", "<p><s>gone</s></p>"),
        ("a < b & c", "<p>a &lt; b &amp; c</p>"),
    ],
)
def test_markdown_renders(source, expected):
    assert sanitize.render_markdown(source) == expected


@pytest.mark.parametrize(
    "source",
    ["see https://example.com/page", "[text](https://example.com)", '<a href="https://example.com">x</a>', "<https://example.com>"],
)
def test_every_link_gets_rel(source):
    found = links(sanitize.render_markdown(source))
    assert found and all(link.get("rel") == "nofollow ugc noopener" for link in found)
    assert all(link.get("href", "").startswith("https://example.com") for link in found)


def test_mailto_links_survive():
    found = links(sanitize.render_markdown("[mail](mailto:a@example.com)"))
    assert found[0]["href"] == "mailto:a@example.com"


@pytest.mark.parametrize(
    "html, text",
    [
        ("<p>Hello &amp; <b>bye</b></p>", "Hello & bye"),
        ("<p>a</p>\n<p>b</p>", "a b"),
        ("<p>&lt;script&gt;</p>", "<script>"),
    ],
)
def test_excerpt_is_plain_text(html, text):
    assert sanitize.excerpt(html) == text


def test_excerpt_is_cut_at_a_word():
    result = sanitize.excerpt("<p>" + "word " * 100 + "</p>", length=50)
    assert len(result) <= 50 and result.endswith("\u2026") and "wor\u2026" not in result


def test_stored_comment_keeps_source_and_inert_html(client, moderator):
    source = "<script>alert(1)</script>\n\n[x](javascript:alert(2)) **ok**"
    created = approved_comment(client, moderator, "p", body=source)
    assert problems(created["body_html"]) == []
    queue = client.get("/api/moderation/comments?status=approved", headers=moderator).get_json()
    assert queue["comments"][0]["body_source"] == source
    thread = client.get("/api/posts/p/comments").get_json()
    assert problems(thread["comments"][0]["body_html"]) == []
    assert "<strong>ok</strong>" in thread["comments"][0]["body_html"]


def test_author_is_plain_text_without_controls(client, moderator):
    created = approved_comment(client, moderator, "p", author="  <b>Eve</b>\u202e\x07  ")
    assert created["author"] == "<b>Eve</b>"


@pytest.mark.parametrize(
    ("body", "readable"),
    [
        ('<abbr title="a>b"></abbr>', False),
        ("<abbr title='say \"hi\" > there'></abbr>", False),
        ('<abbr title="x&quot;>y">  </abbr>', False),
        ("&nbsp; &#32; &#xa0;", False),
        ("**&nbsp;**", False),
        ("<img src=x><!-- hidden -->", False),
        ("```\n \n```", False),
        ("&lt;", True),
        ("<b></b>&#8203;", True),
        ("[](https://example.org)", True),
    ],
)
def test_a_comment_with_nothing_readable_is_refused(client, body, readable):
    # Markup whose attributes hold ">" or quotes shows nothing: the quick reading of the text must not find any.
    response = client.post("/api/posts/p/comments", json={"author": "Ada", "body": body})
    assert response.status_code == (201 if readable else 422), response.get_json()
    if not readable:
        assert "body" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    "source, title",
    [
        ("<a href=\"https://x.example/\" title='\"&amp;'>x</a>", '"&'),
        ("<abbr title='say \"hi\" &amp; bye'>A</abbr>", 'say "hi" & bye'),
        ("<abbr title='\"&'>A</abbr>", '"&'),
        ("<abbr title='\"&quot;&#39;&amp;amp;'>A</abbr>", "\"\"'&amp;"),
        ("<abbr title=\"&quot;&amp;\">A</abbr>", '"&'),
        ("<abbr title='\"&lt;b&gt;&nosuch;'>A</abbr>", '"<b>&nosuch;'),
    ],
)
def test_an_attribute_with_quotes_and_ampersands_is_stable_and_keeps_its_meaning(source, title):
    once = sanitize.clean_html(source)
    assert sanitize.clean_html(once) == once and sanitize.clean_html(sanitize.clean_html(once)) == once
    assert sanitize.render_markdown(source) == f"<p>{once}</p>"
    # A browser (here Python's HTML parser) reads the same value as from what was typed.
    tag = "a" if source.startswith("<a ") else "abbr"
    found = links(once) if tag == "a" else [dict(_abbr_attributes(once))]
    assert found[0]["title"] == title


def _abbr_attributes(fragment):
    from html.parser import HTMLParser

    seen = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "abbr":
                seen.extend(attrs)

    Parser(convert_charrefs=True).feed(fragment)
    return seen


def test_an_href_holding_a_quote_and_an_ampersand_is_stable():
    source = "<a href='https://x.example/?q=\"&amp;a=1'>x</a>"
    once = sanitize.clean_html(source)
    assert sanitize.clean_html(once) == once
    assert links(once)[0]["href"] == 'https://x.example/?q="&a=1'
