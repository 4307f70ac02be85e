"""Charts drawn on the server as SVG by pygal, to be inlined in a page.

pygal's JavaScript is left out (js=[] and its config script removed): the page's CSP allows
scripts from our own origin only, and the charts need none. Labels come from user data (stage
names); pygal writes them through lxml, which escapes them. Drawing a chart costs tens of
milliseconds, so a chart is drawn once per distinct content and kept (the same figures give
the same picture).
"""

import re
from functools import lru_cache

import pygal
from markupsafe import Markup
from pygal.style import Style

# The config script pygal adds even with js=[]; its text is escaped by lxml, so the first
# closing tag is its own.
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)

STYLE = Style(background="transparent", plot_background="transparent", foreground="#333",
              foreground_strong="#111", foreground_subtle="#888", colors=("#1f6feb", "#2da44e", "#bf8700",
                                                                            "#cf222e", "#8250df", "#0a7ea4"),
              font_family="system-ui, sans-serif")
COMMON = dict(js=[], disable_xml_declaration=True, style=STYLE, width=640, height=300, explicit_size=False,
              show_legend=False, print_values=False, margin=12, truncate_label=24)


def bar(title: str, labels: list[str], values: list[float], value_prefix: str = "") -> Markup:
    return _draw("bar", title, tuple(labels), tuple(float(v) for v in values), value_prefix)


def pie(title: str, labels: list[str], values: list[float]) -> Markup:
    return _draw("pie", title, tuple(labels), tuple(float(v) for v in values), "")


@lru_cache(maxsize=512)
def _draw(kind: str, title: str, labels: tuple, values: tuple, value_prefix: str) -> Markup:
    if kind == "pie":
        chart = pygal.Pie(title=title, inner_radius=0.45, **{**COMMON, "show_legend": True})
        for label, value in zip(labels, values):
            chart.add(label, value)
    else:
        chart = pygal.Bar(title=title, x_label_rotation=20 if len(labels) > 6 else 0,
                          value_formatter=lambda v: f"{value_prefix}{v:,.2f}" if value_prefix else f"{v:,.0f}",
                          **COMMON)
        chart.x_labels = list(labels)
        chart.add(title, list(values))
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    # Screen readers read the table next to the chart instead: the same figures, in order.
    return Markup(svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1))


def sparkline_points(values: list[int], width: int = 160, height: int = 32, top: int = 100) -> str:
    """The ``points`` of an SVG polyline for ``values`` (oldest first, 0 to ``top``) across
    ``width`` by ``height``: a line simple enough to draw without pygal."""
    if len(values) < 2:
        return ""
    step = width / (len(values) - 1)
    return " ".join(f"{i * step:.1f},{height - value * height / top:.1f}" for i, value in enumerate(values))
