"""Charts drawn on the server as SVG by pygal, from the same `Table` the page and the CSV show.

The SVG is served as its own document (`/reports/<name>.svg`, shown with `<img>`), so the
page's strict Content-Security-Policy stays as it is: pygal's interactive script is dropped
(no JavaScript is needed to read a chart), its `<title>` and a `<desc>` say what the chart
shows, and withheld cells are labelled "<5" on their axis instead of drawn.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pygal
from lxml import etree
from pygal.style import Style

from careercenter.reports.tables import Table

# pygal appends a finder for its map plugins (which we do not use) to sys.meta_path; it has no
# find_spec(), so every later import warns (ImportWarning — an error under the test suite's
# filterwarnings). Take it out again.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

SVG_NS = "http://www.w3.org/2000/svg"

#: High-contrast colours that stay apart for the common colour-vision deficiencies (Okabe–Ito).
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2328",
    foreground_strong="#1f2328",
    foreground_subtle="#57606a",
    colors=("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"),
    font_family="system-ui, sans-serif",
    title_font_size=18,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
)


@dataclass(frozen=True)
class ChartSpec:
    """How to draw a table: the kind of chart and which columns are its series."""

    kind: str  # "bar", "hbar", "line" or "stacked"
    series: tuple[int, ...]
    label_column: int = 0
    #: series drawn against a second axis on the right (a figure of another scale: hours beside credits)
    secondary: tuple[int, ...] = ()


_KINDS = {
    "bar": pygal.Bar,
    "hbar": pygal.HorizontalBar,
    "line": pygal.Line,
    "stacked": pygal.StackedBar,
}


def render_svg(table: Table, spec: ChartSpec, title: str, description: str) -> bytes:
    """The chart of `table` as a standalone SVG document without scripts."""
    chart = _KINDS[spec.kind](
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        title=title,
        show_legend=len(spec.series) + len(spec.secondary) > 1,
        legend_at_bottom=True,
        print_values=False,
        x_label_rotation=30 if spec.kind != "hbar" and len(table.rows) > 4 else 0,
        truncate_label=40,
        no_data_text="No data for this period",
        width=800,
        height=420,
    )
    labels = []
    for r, row in enumerate(table.rows):
        label = str(row[spec.label_column])
        if any((r, c) in table.suppressed for c in spec.series):
            label += f" ({table.suppressed_text})"
        labels.append(label)
    chart.x_labels = labels
    for column in (*spec.series, *spec.secondary):
        values = [table.numeric(r, column) for r in range(len(table.rows))]
        chart.add(table.columns[column], values, secondary=column in spec.secondary)
    return _accessible(chart.render(is_unicode=True), title, description)


def _accessible(svg: str, title: str, description: str) -> bytes:
    """Drop pygal's scripts; give the document a role, a title and a description."""
    root = etree.fromstring(svg.encode("utf-8"))  # noqa: S320  (our own pygal output)
    for script in root.iter(f"{{{SVG_NS}}}script"):
        script.getparent().remove(script)
    for old in [*root.findall(f"{{{SVG_NS}}}title"), *root.findall(f"{{{SVG_NS}}}desc")]:
        root.remove(old)
    title_el = etree.Element(f"{{{SVG_NS}}}title", id="chart-title")
    title_el.text = title
    desc_el = etree.Element(f"{{{SVG_NS}}}desc", id="chart-desc")
    desc_el.text = description
    root.insert(0, desc_el)
    root.insert(0, title_el)
    root.set("role", "img")
    root.set("aria-labelledby", "chart-title chart-desc")
    return etree.tostring(root, encoding="utf-8")
