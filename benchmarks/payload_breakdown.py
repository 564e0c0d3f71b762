"""Websocket bytes of one cold page view, element by element: where a page's payload goes.

    .venv/bin/python benchmarks/payload_breakdown.py --path footprint --query stp=E54000034

Starts the dashboard, loads the page from a fresh session once to warm the server's caches, then again from another
fresh session (no message cache: a first visit), and lists every ForwardMsg's size: plotly charts with their key
parts (data, layout, config), tables, markdown and the rest.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections import Counter

import common
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from ws_client import StreamlitWsClient


def describe(frame: bytes) -> tuple[str, str]:
    """(kind, detail) of one serialized ForwardMsg."""
    msg = ForwardMsg()
    msg.ParseFromString(frame)
    kind = msg.WhichOneof("type")
    if kind != "delta" or msg.delta.WhichOneof("type") != "new_element":
        return kind or "?", ""
    element = msg.delta.new_element
    element_type = element.WhichOneof("type")
    if element_type == "plotly_chart":
        spec = json.loads(element.plotly_chart.spec)
        layout = len(json.dumps(spec.get("layout", {}), separators=(",", ":")))
        data = len(json.dumps(spec.get("data", []), separators=(",", ":")))
        title = (element.plotly_chart.alt or "")[:60]
        return "plotly_chart", f"data {data / 1024:.1f} kB, layout {layout / 1024:.1f} kB: {title}"
    if element_type == "markdown":
        return "markdown", element.markdown.body[:50].replace("\n", " ")
    return element_type or "?", ""


def deflated_bytes(frames: list[bytes]) -> int:
    """What permessage-deflate would put on the wire for these messages: one compressor for the connection
    (context takeover), flushed after each message, with the websockets library's server defaults (a 4 kB window,
    memLevel 5), as uvicorn uses it when server.enableWebsocketCompression is on."""
    compressor = zlib.compressobj(wbits=-12, memLevel=5)
    return sum(len(compressor.compress(frame) + compressor.flush(zlib.Z_SYNC_FLUSH)) - 4 for frame in frames)


async def frames_of(url: str, path: str, query: str) -> list[bytes]:
    frames: list[bytes] = []
    async with StreamlitWsClient(url) as client:
        await client.connect()
        original = client._on_frame

        def record(frame: bytes) -> None:
            frames.append(frame)
            original(frame)

        client._on_frame = record  # type: ignore[method-assign]
        load = await client.load(path, query)
        if load.errors:
            raise RuntimeError(load.errors)
    return frames


def main() -> None:
    parser = common.parser(__doc__.splitlines()[0], runs=1, budget_s=120)
    parser.add_argument("--path", default="footprint")
    parser.add_argument("--query", default="stp=E54000034")
    args = parser.parse_args()
    with common.streamlit_server(common.DASHBOARD) as server:
        asyncio.run(frames_of(server.url, args.path, args.query))
        frames = asyncio.run(frames_of(server.url, args.path, args.query))
    by_kind: Counter[str] = Counter()
    for frame in frames:
        kind, detail = describe(frame)
        by_kind[kind] += len(frame)
        if len(frame) > 1500:
            print(f"{len(frame) / 1024:7.1f} kB  {kind:<14} {detail}")
    print(f"total {sum(len(f) for f in frames) / 1024:.1f} kB in {len(frames)} messages")
    print(f"  with permessage-deflate (estimate): {deflated_bytes(frames) / 1024:.1f} kB")
    for kind, size in by_kind.most_common():
        print(f"  {kind:<16} {size / 1024:7.1f} kB")


if __name__ == "__main__":
    main()
