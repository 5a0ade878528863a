"""Property tests: whatever HTML or Markdown a reader sends, the stored HTML is inert."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comments_service import sanitize
from tests.inert import problems

TAGS = ["script", "img", "a", "svg", "iframe", "style", "p", "b", "div", "object", "math", "form", "input", "body", "code", "pre"]
ATTRS = ["href", "src", "onerror", "onload", "onclick", "style", "formaction", "xlink:href", "srcdoc", "title", "rel"]
URLS = ["javascript:alert(1)", "JaVaScRiPt:x", "jav&#x09;ascript:x", "data:text/html,<script>x</script>",
        "vbscript:x", "  javascript:x", "https://ok.example/", "mailto:a@b.c", "//evil.example", "&#106;avascript:x"]

attribute = st.builds(lambda n, v, q: f" {n}={q}{v}{q}", st.sampled_from(ATTRS), st.sampled_from(URLS) | st.text(max_size=12), st.sampled_from(['"', "'", ""]))
open_tag = st.builds(lambda t, attrs, close: f"<{t}{''.join(attrs)}{close}>", st.sampled_from(TAGS), st.lists(attribute, max_size=3), st.sampled_from(["", "/"]))
close_tag = st.sampled_from(TAGS).map(lambda t: f"</{t}>")
markdown = st.builds(lambda text, url: f"[{text}]({url})", st.text(max_size=8), st.sampled_from(URLS)) | st.sampled_from(
    ["**b**", "`<script>`", "```\n<img onerror=x>\n```", "> q", "- li", "<!-- c -->", "&lt;script&gt;", "\n\n", "<", ">", "&"])
fragment = st.lists(open_tag | close_tag | markdown | st.text(max_size=10), max_size=12).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragment)
def test_rendered_markdown_is_inert_and_stable(source):
    html = sanitize.render_markdown(source)
    assert problems(html) == []
    assert sanitize.clean_html(html) == html


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragment)
def test_cleaned_html_is_inert_and_stable(source):
    html = sanitize.clean_html(source)
    assert problems(html) == []
    assert sanitize.clean_html(html) == html


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_renders_inert(source):
    html = sanitize.render_markdown(source)
    assert problems(html) == []
    # An excerpt is the start of the comment's plain text, cut to the limit.
    text, excerpt = sanitize.html_to_text(html), sanitize.excerpt(html)
    assert len(excerpt) <= sanitize.EXCERPT_LENGTH
    assert text.startswith(excerpt.removesuffix("\u2026"))


def _readable_by_the_cleaner(html: str) -> bool:
    return bool(sanitize.html_to_text(html)) or "<a " in html


# Attribute values holding what could end or open a tag, around text or nothing.
titled = st.builds(lambda v, q, inner: f"<abbr title={q}{v}{q}>{inner}</abbr>", st.text("<>\"' &;#a", max_size=10),
                   st.sampled_from(['"', "'", ""]), st.sampled_from(["", " ", "x", "&nbsp;", "<b></b>"]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fragment | st.text(max_size=40) | titled, max_size=3).map("".join))
def test_readable_answers_as_the_text_only_cleaner(source):
    for html in (sanitize.render_markdown(source), sanitize.clean_html(source)):
        assert sanitize.is_readable(html) == _readable_by_the_cleaner(html), html


# Attribute values mixing quotes, ampersands and entities, in every quoting: each pass once added an escape level.
VALUE_PARTS = ['"', "'", "&", "&amp;", "&amp", "&quot;", "&quot", "&#34;", "&#x22;", "&#39;", "&lt;", "<", ">",
               "&nosuch;", "&#;", "&#x;", "&&", ";", "=", "#", " ", "a", "b&c", "https://ok.example/?a=1&b=2"]
attribute_value = st.lists(st.sampled_from(VALUE_PARTS), max_size=8).map("".join)


def _attribute(name: str, value: str, quote: str) -> str:
    return f" {name}={quote}{value}{quote}"


quoted_link = st.builds(
    lambda title, href, q1, q2, text: f"<a{_attribute('href', href, q2)}{_attribute('title', title, q1)}>{text}</a>",
    attribute_value, st.sampled_from(["https://ok.example/", "/p?x="]).flatmap(
        lambda base: attribute_value.map(lambda v: base + v)),
    st.sampled_from(['"', "'", ""]), st.sampled_from(['"', "'", ""]), st.sampled_from(["x", "&amp;", '"q"']),
)
quoted_abbr = st.builds(lambda v, q: f"<abbr{_attribute('title', v, q)}>A</abbr>", attribute_value,
                        st.sampled_from(['"', "'", ""]))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(quoted_link | quoted_abbr | st.sampled_from(["x", " & ", "\n\n"]), min_size=1, max_size=3).map("".join))
def test_sanitizing_attributes_with_quotes_and_ampersands_is_idempotent(source):
    for html in (sanitize.clean_html(source), sanitize.render_markdown(source)):
        assert problems(html) == []
        assert sanitize.clean_html(html) == html
        assert sanitize.clean_html(sanitize.clean_html(html)) == html
