"""Data-derived text made safe for Plotly, which renders a subset of HTML in titles, hover text and annotations.

A measure named '<a href="https://evil.example/">Click here</a>' would otherwise become a live link on every
viewer's footprint page. One helper, used by every chart builder wherever a name, unit, period or source from a
file reaches Plotly; the builders' own markup (<b>, <br>) is added around the escaped text, never inside it.
"""

from __future__ import annotations

import html


def plotly_text(text: object) -> str:
    """`text` shown literally by Plotly: &, <, > and quotes escaped as HTML entities, which Plotly decodes.

    Quotes as numeric entities: Plotly decodes those, but of the named ones only a few (&amp; &lt; &gt; ...),
    so html.escape's &quot; showed literally in a name like 'The "Black Country"'.
    """
    escaped = html.escape("" if text is None else str(text), quote=False)
    return escaped.replace('"', "&#34;").replace("'", "&#39;")
