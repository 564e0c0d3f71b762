"""Payload: bytes the overview sends to the browser, and screenshots to judge the simplified shapes.

- map GeoJSON as the app builds it (geo.boundaries.to_geojson), compact JSON; target <= 250 KB
- the overview's two figure specs (fig.to_json()), built the way pages/overview.py builds them
- websocket bytes the browser receives for the overview, and the same for the baseline page
- screenshots in benchmarks/results/: the map at England scale in the browser, and the same figure framed
  on the smallest footprint and on Cornwall (rendered by kaleido)
"""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass, field

import common
import plotly.graph_objects as go
import shapely
from common import Row
from playwright.sync_api import Browser, Page, WebSocket

TARGET_MAP_BYTES = 250 * 1024
OGL_LINE = (
    "Boundaries: Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right 2018 and 2019. Simplified for the browser (geo/)."
)
KB = 1024


def compact(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


# --- what the server builds --------------------------------------------------------------------------------


def figure_sizes() -> tuple[dict[str, float], go.Figure]:
    """Map GeoJSON and both overview figure specs, built without Streamlit's cache."""
    from charts.bell_curve import rating_bell_curve
    from charts.rating_map import rating_map
    from geo.boundaries import BOUNDARIES_2017, join_by_code, load_boundaries, to_geojson
    from stp_data import ratings
    from stp_data.loading import load_bundle
    from stp_data.profiles import footprint_profiles

    bundle = load_bundle()
    profiles = footprint_profiles(bundle)
    boundaries = load_boundaries(BOUNDARIES_2017, "stp17cd", "stp17nm")
    joined, _ = join_by_code(boundaries, profiles[["code"]], "code")
    geojson = to_geojson(joined)
    bars = ratings.bars(profiles, ratings.chart_counts(bundle.distribution))
    curve = ratings.normal_curve(bars)

    start = time.perf_counter()
    map_fig = rating_map(geojson, profiles)
    build_map_s = time.perf_counter() - start
    start = time.perf_counter()
    map_json = map_fig.to_json().encode()
    map_to_json_s = time.perf_counter() - start
    bell_json = rating_bell_curve(bars, curve, note=ratings.distribution_note(bundle.distribution)).to_json().encode()
    geojson_bytes = compact(geojson)
    return {
        "geojson_bytes": len(geojson_bytes),
        "geojson_gzip_bytes": len(gzip.compress(geojson_bytes)),
        "geojson_file_bytes": BOUNDARIES_2017.stat().st_size,
        "coordinates": int(shapely.get_num_coordinates(joined.geometry.values).sum()),
        "map_spec_bytes": len(map_json),
        "map_spec_gzip_bytes": len(gzip.compress(map_json)),
        "bell_spec_bytes": len(bell_json),
        "build_map_ms": build_map_s * 1000,
        "map_to_json_ms": map_to_json_s * 1000,
    }, map_fig


# --- what the browser receives -----------------------------------------------------------------------------


@dataclass
class Traffic:
    ws_received: int = 0
    ws_frames: int = 0
    ws_sent: int = 0
    http_bytes: int = 0
    http_requests: int = 0
    external: list[str] = field(default_factory=list)

    def on_websocket(self, ws: WebSocket) -> None:
        ws.on("framereceived", self._received)
        ws.on("framesent", self._sent)

    def _received(self, payload: str | bytes) -> None:
        self.ws_frames += 1
        self.ws_received += len(payload.encode() if isinstance(payload, str) else payload)

    def _sent(self, payload: str | bytes) -> None:
        self.ws_sent += len(payload.encode() if isinstance(payload, str) else payload)

    def on_request_finished(self, request: object) -> None:
        sizes = request.sizes()
        # Bytes on the wire (compressed where the server gzips), headers included.
        self.http_bytes += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        self.http_requests += 1


def measure_traffic(browser: Browser, url: str, drawn: object, keep_open: bool = False) -> tuple[Traffic, Page]:
    context = browser.new_context(viewport=common.VIEWPORT)
    page = context.new_page()
    traffic = Traffic()
    traffic.external = common.record_external(page)
    page.on("websocket", traffic.on_websocket)
    page.on("requestfinished", traffic.on_request_finished)
    page.goto(url + "/", timeout=common.TIMEOUT_MS)
    drawn(page)
    common.settle(page)
    if not keep_open:
        context.close()
    return traffic, page


COASTAL = "E54000036"  # Cornwall and the Isles of Scilly: the most intricate coastline and islands


def zoom_targets() -> list[tuple[str, tuple[float, float, float, float]]]:
    """Code and lon/lat bounds of the smallest footprint (London) and of Cornwall, where simplification shows."""
    from geo.boundaries import BOUNDARIES_2017, BRITISH_NATIONAL_GRID, load_boundaries

    shapes = load_boundaries(BOUNDARIES_2017, "stp17cd").set_index("code")
    smallest = shapes.to_crs(BRITISH_NATIONAL_GRID).geometry.area.idxmin()
    return [(code, tuple(float(v) for v in shapes.geometry[code].bounds)) for code in (smallest, COASTAL)]


def zoomed_map_png(map_fig: go.Figure, code: str, bounds: tuple[float, float, float, float]) -> bytes:
    """The overview's map figure framed on one footprint, drawn by plotly.js in Chromium (kaleido).

    The in-app map has no zoom-to-footprint control, so the close-up is rendered from the same figure and
    the same simplified GeoJSON the browser receives; only the frame changes.
    """
    from charts.style import footprint_geo
    from exports.png import figure_png

    framed = go.Figure(map_fig)
    framed.update_layout(geo=footprint_geo(bounds, pad=0.15))
    return figure_png(framed, title=f"Simplified boundaries at one-footprint zoom: {code}", source_line=OGL_LINE)


def screenshots(page: Page, map_fig: go.Figure) -> list[str]:
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    chart = page.locator("[data-testid='stPlotlyChart']").first
    chart.scroll_into_view_if_needed()
    paths = [common.RESULTS / "map-england.png"]
    chart.screenshot(path=paths[0])
    for code, bounds in zoom_targets():
        paths.append(common.RESULTS / f"map-zoom-{code}.png")
        paths[-1].write_bytes(zoomed_map_png(map_fig, code, bounds))
    return [str(path.relative_to(common.ROOT)) for path in paths]


def run(runs: int, budget_s: float) -> list[Row]:
    deadline = common.Deadline(budget_s)
    sizes, map_fig = figure_sizes()
    dash_traffic: list[Traffic] = []
    base_traffic: list[Traffic] = []
    with common.dashboard_baseline_and_browser() as (dash, base, browser):
        for _ in range(max(1, runs)):
            if deadline.expired():
                break
            dash_traffic.append(measure_traffic(browser, dash.url, common.wait_overview_drawn)[0])
            base_traffic.append(measure_traffic(browser, base.url, common.wait_baseline_drawn)[0])
        traffic, page = measure_traffic(browser, dash.url, common.wait_overview_drawn, keep_open=True)
        shots = screenshots(page, map_fig)
        page.context.close()
    external = [u for t in dash_traffic + base_traffic + [traffic] for u in t.external]
    if external:
        raise RuntimeError(f"requests left loopback: {external}")
    dash_ws = max(t.ws_received for t in dash_traffic)
    base_ws = max(t.ws_received for t in base_traffic)
    dash_http = max(t.http_bytes for t in dash_traffic)
    base_http = max(t.http_bytes for t in base_traffic)

    print("Payload")
    print(f"  map GeoJSON, compact JSON:        {sizes['geojson_bytes'] / KB:8.1f} KB "
          f"(gzip {sizes['geojson_gzip_bytes'] / KB:.1f} KB; file on disk {sizes['geojson_file_bytes'] / KB:.1f} KB; "
          f"~{sizes['coordinates']:,} vertices)")  # fmt: skip
    print(f"  overview map figure spec:         {sizes['map_spec_bytes'] / KB:8.1f} KB "
          f"(gzip {sizes['map_spec_gzip_bytes'] / KB:.1f} KB; built in {sizes['build_map_ms']:.0f} ms, "
          f"to_json {sizes['map_to_json_ms']:.0f} ms)")  # fmt: skip
    print(f"  overview bell-curve figure spec:  {sizes['bell_spec_bytes'] / KB:8.1f} KB")
    print(f"  websocket received, overview:     {dash_ws / KB:8.1f} KB in {dash_traffic[0].ws_frames} frames")
    print(f"  websocket received, baseline:     {base_ws / KB:8.1f} KB in {base_traffic[0].ws_frames} frames")
    print(f"  HTTP on the wire, overview:       {dash_http / KB:8.1f} KB in {dash_traffic[0].http_requests} requests")
    print(f"  HTTP on the wire, baseline:       {base_http / KB:8.1f} KB in {base_traffic[0].http_requests} requests")
    print(f"  screenshots: {', '.join(shots)}")
    rows = [
        Row(
            "map GeoJSON bytes",
            f"{sizes['geojson_bytes'] / KB:.1f} KB",
            f"<= {TARGET_MAP_BYTES // KB} KB",
            sizes["geojson_bytes"] <= TARGET_MAP_BYTES,
        ),
        Row("overview figure specs", f"{(sizes['map_spec_bytes'] + sizes['bell_spec_bytes']) / KB:.1f} KB"),
        Row("websocket bytes overview", f"{dash_ws / KB:.1f} KB ({dash_ws / base_ws:.0f}x base)"),
        Row("HTTP bytes overview", f"{dash_http / KB:.0f} KB ({dash_http / base_http:.2f}x base)"),
    ]
    details = {
        **sizes,
        "ws_overview": [t.__dict__ for t in dash_traffic],
        "ws_baseline": [t.__dict__ for t in base_traffic],
        "screenshots": shots,
    }
    common.save_rows("payload", rows, details)
    return rows


def main(argv: list[str] | None = None) -> None:
    args = common.parser(__doc__.splitlines()[0], runs=2, budget_s=180).parse_args(argv)
    common.print_rows(run(args.runs, args.budget_s))


if __name__ == "__main__":
    main()
