"""A pack's pictures as PNG, each rendered once (kaleido, 2x) and shared by the PowerPoint and the PDF.

Not pure in the way the slide builders are: rendering starts the warm kaleido browser (exports.png), so it
happens only when files are written (exports.pack_files), never when the slides are decided.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

import settings
from exports.pack_model import ChartData, Pack, Picture, Progress

PICTURE_SCALE = 2  # kaleido renders at 2x: sharp when projected and printed


def needed_pictures(pack: Pack, fmt: str) -> list[Picture]:
    """The pictures a format draws: PowerPoint draws charts natively, so only maps, gauges and the like."""
    wanted = [
        slide.picture for slide in pack.slides if slide.picture is not None and (fmt != "pptx" or slide.chart is None)
    ]
    return list({picture.key: picture for picture in wanted}.values())


class Pictures:
    """PNG bytes of each picture of a pack, rendered once (kaleido, 2x) and shared by the PowerPoint and the PDF."""

    def __init__(self) -> None:
        self._png: dict[str, bytes] = {}

    def png(self, picture: Picture) -> bytes:
        if picture.key not in self._png:
            from exports.png import figure_png  # late: kaleido is only needed when a pack is built

            self._png[picture.key] = figure_png(
                picture.figure,
                title=picture.title,
                source_line=picture.source,
                width=picture.width,
                height=picture.height,
                scale=PICTURE_SCALE,
            )
        return self._png[picture.key]

    def render(self, pictures: Sequence[Picture], progress: Progress | None = None, share: float = 1.0) -> None:
        """Render every picture not yet drawn, reporting progress over the first `share` of the work."""
        todo = [p for p in pictures if p.key not in self._png]
        for done, picture in enumerate(todo):
            if progress is not None:
                progress(share * done / max(len(todo), 1), f"Drawing picture {done + 1} of {len(todo)}")
            self.png(picture)

    def __len__(self) -> int:
        return len(self._png)


def trend_figure(chart: ChartData) -> go.Figure:
    """The line chart as a Plotly figure, for the PDF (PowerPoint draws it natively)."""
    from charts.style import base_layout

    fig = go.Figure()
    for series in chart.series:
        fig.add_trace(
            go.Scatter(
                x=list(chart.categories),
                y=[math.nan if v is None else v for v in series.values],
                name=series.name,
                mode="lines+markers",
                line={"color": series.colour, "width": 3},
                marker={"size": 6},
            )
        )
    base_layout(fig, height=650)
    fig.update_layout(
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        yaxis={"title": chart.value_title, "gridcolor": settings.RULE},
        xaxis={"type": "category", "nticks": 12},
        margin={"l": 70, "r": 20, "t": 40, "b": 60},
    )
    return fig
