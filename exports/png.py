"""Figures out: board-ready PNGs with the title and the source line drawn inside the image.

Rendered offline by kaleido with Debian's Chromium (no downloads, no CDN: MathJax off, plotly.js from the
installed plotly package). One browser is kept warm behind `_Renderer` so that only the first export pays the
2–4 s browser start; it is shared by every thread (Streamlit runs download callbacks in threads), restarted after
a crash and closed after a few idle minutes.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import os
import threading
import time
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from charts.style import BASE_FONT_SIZE, NHS_DARK_GREY, OFFLINE_TOPOJSON_URL, TEXT, wrap_for_plotly

DEFAULT_CHROMIUM = "/usr/bin/chromium"
MIN_EXPORT_WIDTH = 1600  # presentation resolution, in output pixels

RENDER_TIMEOUT_S = 60.0  # one figure, browser start included
IDLE_CLOSE_S = 300.0  # close the warm browser after this long without an export

TITLE_SIZE = BASE_FONT_SIZE + 10
SOURCE_SIZE = BASE_FONT_SIZE - 2
_PLOTLY_DEFAULT_HEIGHT = 450
_PLOTLY_DEFAULT_MARGIN = {"t": 100, "b": 80, "l": 80, "r": 80}


class ExportUnavailableError(RuntimeError):
    """No browser to render with, or the browser failed twice; the message says what to do."""


def chromium_path() -> str:
    """The browser kaleido uses: $STP_CHROMIUM, else $BROWSER_PATH, else Debian's /usr/bin/chromium.

    Also sets BROWSER_PATH, when unset and the browser exists, so anything else calling kaleido finds it too.
    """
    path = os.environ.get("STP_CHROMIUM") or os.environ.get("BROWSER_PATH") or DEFAULT_CHROMIUM
    if "BROWSER_PATH" not in os.environ and Path(path).is_file():
        os.environ["BROWSER_PATH"] = path
    return path


def _check_chromium(path: str) -> None:
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        raise ExportUnavailableError(
            f"Image export needs Chromium, but there is no executable at {path!r}. "
            "Install Debian's package (apt-get install chromium) or point STP_CHROMIUM at a Chromium binary."
        )


class _Renderer:
    """One warm kaleido browser on its own event-loop thread; renders are serialised by a lock.

    kaleido's own start_sync_server() is not used: it is not safe for concurrent callers (results can be swapped
    between threads) and, once its browser has died, every later call blocks forever.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None
        self._idle_timer: threading.Timer | None = None
        self._last_used = 0.0

    # All _methods below expect self._lock to be held.
    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None or self._thread is None or not self._thread.is_alive():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="stp-kaleido", daemon=True)
            thread.start()
            self._loop, self._thread = loop, thread
        return self._loop

    def _run(self, coroutine: Any, timeout: float) -> Any:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._ensure_loop())
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()  # do not leave a half-opened browser or a stuck render running
            raise

    def _open(self) -> Any:
        if self._kaleido is None:
            import kaleido  # imported late: importing it is slow and only exports need it

            path = chromium_path()
            _check_chromium(path)

            self._kaleido = self._run(_open_kaleido(kaleido, path), RENDER_TIMEOUT_S)
        return self._kaleido

    def _close(self) -> None:
        browser, self._kaleido = self._kaleido, None
        if browser is not None:
            with contextlib.suppress(Exception):  # a browser that will not close cleanly is already gone
                self._run(browser.close(), 10)

    def _schedule_idle_close(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self._idle_timer = threading.Timer(IDLE_CLOSE_S, self.close_if_idle)
        self._idle_timer.daemon = True
        self._idle_timer.start()

    # Public, thread-safe.
    def render(self, fig_dict: dict, opts: dict) -> bytes:
        from kaleido.errors import KaleidoError  # plotly.js refused the figure: the figure's fault, not the browser's

        with self._lock:
            error: Exception | None = None
            for _attempt in range(2):  # a crashed or stuck browser gets one fresh restart
                try:
                    browser = self._open()
                    image = self._run(
                        browser.calc_fig(fig_dict, opts=opts, topojson=OFFLINE_TOPOJSON_URL), RENDER_TIMEOUT_S
                    )
                except (ExportUnavailableError, KaleidoError):
                    raise
                except Exception as exc:  # any browser failure (closed, crashed, timed out): restart once
                    error = exc
                    self._close()
                    continue
                self._last_used = time.monotonic()
                self._schedule_idle_close()
                return image
            raise ExportUnavailableError(f"Image export failed twice in Chromium: {error!r}") from error

    def warm_up(self) -> None:
        with self._lock:
            self._open()
            self._last_used = time.monotonic()
            self._schedule_idle_close()

    def close_if_idle(self) -> None:
        with self._lock:
            if self._kaleido is not None and time.monotonic() - self._last_used >= IDLE_CLOSE_S - 1:
                self._close()

    def shutdown(self, wait: float = -1) -> None:
        """Close the browser and stop the loop; with `wait` >= 0, give up if a render holds the lock that long."""
        if not self._lock.acquire(timeout=wait):
            return
        try:
            if self._idle_timer is not None:
                self._idle_timer.cancel()
            self._close()
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop = self._thread = None
        finally:
            self._lock.release()

    @property
    def is_warm(self) -> bool:
        return self._kaleido is not None


async def _open_kaleido(kaleido: Any, path: str) -> Any:
    browser = kaleido.Kaleido(path=path, mathjax=False, timeout=RENDER_TIMEOUT_S)
    await browser.open()
    return browser


_RENDERER = _Renderer()
atexit.register(_RENDERER.shutdown, wait=5)


def warm_up_renderer() -> None:
    """Start the shared browser now (optional), so the first export is fast too."""
    _RENDERER.warm_up()


def shutdown_renderer() -> None:
    """Close the shared browser; the next export starts a new one."""
    _RENDERER.shutdown()


def renderer_is_warm() -> bool:
    return _RENDERER.is_warm


def _chars_per_line(width_px: float, font_px: float) -> int:
    """Characters that fit a line of Arial at this size (average glyph about 0.55 em, kept on the safe side)."""
    return max(20, int(width_px / (font_px * 0.5)))


def _layout_number(value: Any, default: float) -> float:
    return float(value) if value is not None else float(default)


def board_ready_figure(
    fig: go.Figure, *, title: str, source_line: str, width: int = MIN_EXPORT_WIDTH, height: int = 900
) -> go.Figure:
    """A copy of `fig` laid out for a slide: title on top, source line at the bottom, all inside the image.

    Anything the figure draws below its plot (legend, notes) is placed in paper fractions, so the copy keeps
    the original ratio of bottom margin to plot height; the source line gets its own band under that.
    """
    out = go.Figure(fig.to_dict())  # deep copy: the caller's figure is never touched
    layout = out.layout
    old_height = _layout_number(layout.height, _PLOTLY_DEFAULT_HEIGHT)
    old_margin = {side: _layout_number(getattr(layout.margin, side), _PLOTLY_DEFAULT_MARGIN[side]) for side in "tblr"}
    old_plot_height = max(old_height - old_margin["t"] - old_margin["b"], 1.0)
    bottom_ratio = old_margin["b"] / old_plot_height

    usable = width - 48
    title_lines = wrap_for_plotly(title, _chars_per_line(usable, TITLE_SIZE)).split("<br>")
    old_title = layout.title.text if layout.title and layout.title.text else None
    title_px = len(title_lines) * TITLE_SIZE * 1.3 + (BASE_FONT_SIZE * 1.4 * 2 if old_title else 0) + 40
    top = max(old_margin["t"], title_px)

    source = wrap_for_plotly(source_line, _chars_per_line(usable, SOURCE_SIZE)) if source_line.strip() else ""
    source_lines = source.count("<br>") + 1 if source else 0
    source_px = source_lines * SOURCE_SIZE * 1.35 + 24 if source else 0
    plot_height = (height - top - source_px) / (1 + bottom_ratio)
    if plot_height < height * 0.35:  # a very long source line: keep a readable plot, the band shrinks below
        plot_height = height * 0.35
    bottom = height - top - plot_height

    layout.title = {
        "text": "<br>".join(f"<b>{line}</b>" for line in title_lines),
        "x": 24 / width,
        "xref": "container",
        "xanchor": "left",
        "y": 1 - 16 / height,
        "yref": "container",
        "yanchor": "top",
        "font": {"size": TITLE_SIZE, "color": TEXT},
        "subtitle": {"text": old_title or "", "font": {"size": BASE_FONT_SIZE + 2, "color": NHS_DARK_GREY}},
    }
    layout.width, layout.height = width, height
    layout.margin = {"t": top, "b": bottom, "l": max(old_margin["l"], 24), "r": max(old_margin["r"], 24)}
    if source:
        out.add_annotation(
            text=source,
            xref="paper",
            yref="paper",
            x=0,
            # 12 px above the image's bottom edge, whatever the plot height.
            y=-(bottom - 12) / plot_height,
            xanchor="left",
            yanchor="bottom",
            align="left",
            showarrow=False,
            font={"size": SOURCE_SIZE, "color": NHS_DARK_GREY},
        )
    return out


def figure_png(
    fig: go.Figure,
    *,
    title: str,
    source_line: str,
    width: int = MIN_EXPORT_WIDTH,
    height: int = 900,
    scale: float = 1.0,
) -> bytes:
    """PNG bytes of `fig` at presentation resolution, title and source line inside the image.

    Raises ValueError for an output narrower than 1600 px and ExportUnavailableError when Chromium is missing
    or fails twice. Safe to call from several threads at once (renders are queued on one warm browser).
    """
    if width * scale < MIN_EXPORT_WIDTH:
        raise ValueError(f"export must be at least {MIN_EXPORT_WIDTH} px wide, got {width} x {scale}")
    ready = board_ready_figure(fig, title=title, source_line=source_line, width=width, height=height)
    opts = {"format": "png", "width": width, "height": height, "scale": scale}
    return _RENDERER.render(ready.to_dict(), opts)
