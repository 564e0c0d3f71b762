"""A minimal Streamlit 1.67 websocket client: drives a real server session without a browser.

It speaks the protocol the frontend speaks, using only what Streamlit itself installs (the `websockets`
package, a hard dependency of Streamlit 1.67, and Streamlit's own protobuf classes). What it does and does not
do, as read from the installed server (streamlit/web/server/starlette/starlette_websocket.py,
streamlit/runtime/app_session.py, runtime/scriptrunner_utils/script_run_context.py, runtime/agent/):

* Endpoint `ws://127.0.0.1:PORT/_stcore/stream`. The Sec-WebSocket-Protocol header is re-purposed: its
  entries are, by position, the subprotocol to select ("streamlit"), an XSRF token and a session id to
  reconnect to. The token only gates reading the signed auth cookie (st.login), so an anonymous client sends
  just "streamlit" and gets a new session. The Origin header, when sent, must equal the Host (same origin).
* One websocket binary frame is one serialized ForwardMsg (server to client) or BackMsg (client to server).
  Frames can be large (the overview's map is 130 kB here), so the client lifts websockets' 1 MiB frame limit.
* The server does nothing until asked: the frontend sends BackMsg.rerun_script with a ClientState (query
  string, page, widget states, browser context). For an `st.navigation` app the page is named either by its
  `page_script_hash` (known once the app has run: ForwardMsg.navigation lists the pages) or, on a cold load,
  by `page_name` = the page's url path, which the runtime resolves. Empty both means the default page.
* A run starts with ForwardMsg.new_session and ends with ForwardMsg.script_finished. FINISHED_EARLY_FOR_RERUN
  is not the end of a page load: `st.switch_page` / `st.rerun` stop the run and start another in the same
  chain, whose own script_finished follows.
* Message cache: in 1.67 the server keeps no message cache; the *client* says what it has cached. Every rerun
  carries ClientState.cached_message_hashes; a large (>= global.minCachedMessageSize, 10 kB) new_element
  delta whose hash is in that list is sent as a ForwardMsg holding only `ref_hash` (plus metadata), and the
  client must substitute its cached copy; there is no HTTP endpoint to fetch a missing one. Like the
  frontend, this client keeps every message marked `metadata.cacheable` and forgets one after
  new_session.config.max_cached_message_age completed runs without using it. A ref it cannot resolve is an
  error (it would be a blank element in a browser).
* Nothing needs a reply. BackMsg.app_heartbeat is the frontend's own keep-alive (the server answers it with
  heartbeat_ack) and is not sent here; the server's websocket-level pings are answered by the websockets
  library as long as frames are read, which a background task always does.
* Not done: static files, media (/media/...) and component assets a browser would fetch over HTTP, and
  drawing. Widget states are not echoed back: each rerun sends none, as a fresh tab does, so widgets keep
  only what the script itself puts in st.session_state. A "page ready" here is therefore the server's part of
  a page view: the script run and the transfer of its messages.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin, Subprotocol

STREAM_PATH: Final = "/_stcore/stream"
SUBPROTOCOL: Final = "streamlit"
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1"})
DEFAULT_MAX_CACHED_MESSAGE_AGE: Final = 2  # global.maxCachedMessageAge; the server sends its value in new_session
MAX_FRAMES_PER_LOAD: Final = 100_000  # a bound on any one page load, far above the few hundred a page takes


@dataclass
class PageLoad:
    """What one request for a page produced, from sending it (or connecting) to its successful script_finished."""

    label: str
    seconds: float = 0.0
    # Websocket payload bytes (serialized ForwardMsgs). server.enableWebsocketCompression is off by default, so
    # this is also what crossed the wire, less a few bytes of framing per message.
    bytes_received: int = 0
    # Bytes read from the socket: with server.enableWebsocketCompression on (and offered, as browsers and this client
    # do), what crossed the wire, compressed; otherwise bytes_received plus framing.
    wire_bytes: int = 0
    frames: int = 0
    deltas: int = 0
    refs_resolved: int = 0  # elements sent as a ref_hash and taken from this client's cache
    runs_started: int = 0  # new_session messages: 2+ when the script switched page or reran itself
    headings: list[str] = field(default_factory=list)
    page_script_hash: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _CacheEntry:
    msg: ForwardMsg
    last_used_run: int


class StreamlitWsClient:
    """One viewer: one websocket, hence one Streamlit session (own session_state, own script runs).

    Use as `async with StreamlitWsClient(url) as client: await client.load(...)`. Loads are sequential; a
    background task reads every frame, so the server's send queue never backs up while the viewer "thinks".
    """

    def __init__(self, base_url: str, *, timezone: str = "Europe/London", locale: str = "en-GB") -> None:
        parts = urlsplit(base_url)
        if parts.hostname not in LOOPBACK_HOSTS or parts.scheme != "http":
            raise ValueError(f"only http://127.0.0.1 servers are allowed, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.ws_url = f"ws://{parts.netloc}{STREAM_PATH}"
        self.timezone = timezone
        self.locale = locale
        self.pages: dict[str, str] = {}  # url path ("" for the default page) -> page_script_hash
        self.max_cached_message_age = DEFAULT_MAX_CACHED_MESSAGE_AGE
        self.idle_bytes = 0  # frames that arrived while no load was waiting (e.g. late status messages)
        self.idle_errors: list[str] = []  # errors seen while no load was waiting
        self._cache: dict[str, _CacheEntry] = {}
        self._completed_runs = 0
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._current: PageLoad | None = None
        self._done: asyncio.Future[None] | None = None
        self._closed_reason: str | None = None
        self._closing = False  # close() was called: the end of the stream is ours, not an error
        self.desynced = False  # a load timed out; later loads could be ended by its late script_finished

    @property
    def usable(self) -> bool:
        """Connected, and no load left a run unaccounted for."""
        return self._ws is not None and self._closed_reason is None and not self.desynced

    # --- connection -----------------------------------------------------------------------------------------

    async def __aenter__(self) -> StreamlitWsClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def connect(self, timeout_s: float = 30) -> None:
        self._ws = await connect(
            self.ws_url,
            subprotocols=[Subprotocol(SUBPROTOCOL)],
            origin=Origin(self.base_url),  # same origin, as a browser on the app's page sends
            open_timeout=timeout_s,
            max_size=None,  # the server allows ForwardMsgs up to server.maxMessageSize (200 MB)
            max_queue=64,
            ping_interval=None,  # a browser sends no websocket pings; the server's own pings are still answered
            close_timeout=5,
        )
        self._count_wire_bytes(self._ws)
        self._reader = asyncio.create_task(self._read_forever(), name="st-ws-reader")

    def _count_wire_bytes(self, ws: ClientConnection) -> None:
        """Count what the transport hands the connection (it looks data_received up on the instance each time)."""
        received = ws.data_received

        def counted(data: bytes) -> None:
            if self._current is not None:
                self._current.wire_bytes += len(data)
            received(data)

        ws.data_received = counted  # type: ignore[method-assign]

    async def close(self) -> None:
        self._closing = True
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        self._ws = None
        self._reader = None

    # --- page loads -----------------------------------------------------------------------------------------

    async def load(self, url_path: str = "", query_string: str = "", *, timeout_s: float = 60) -> PageLoad:
        """Ask for a page as the frontend does (rerun_script) and wait until its script finished.

        The first load should be made right after connect(); its time then includes nothing but the request,
        since the websocket handshake is timed by the caller if wanted. Never raises for an app-level failure:
        timeouts, a closed socket, exceptions shown and unresolved refs are all in PageLoad.errors.
        """
        if self._ws is None:
            raise RuntimeError("connect() first")
        label = f"/{url_path}" + (f"?{query_string}" if query_string else "")
        load = PageLoad(label=label)
        if self._closed_reason:
            load.errors.append(f"{label}: websocket closed before the request ({self._closed_reason})")
            return load
        self._current = load
        self._done = asyncio.get_running_loop().create_future()
        back = BackMsg()
        back.rerun_script.CopyFrom(self._client_state(url_path, query_string))
        started = time.perf_counter()
        try:
            await self._ws.send(back.SerializeToString())
            async with asyncio.timeout(timeout_s):
                await self._done
        except TimeoutError:
            # The run may still finish later and its script_finished would then end the next load: stop using
            # this client.
            self.desynced = True
            load.errors.append(f"{label}: no script_finished within {timeout_s:.0f} s")
        except ConnectionClosed as exc:
            load.errors.append(f"{label}: websocket closed while sending ({exc})")
        except _LoadFailedError:
            pass  # the reader already recorded why
        finally:
            load.seconds = time.perf_counter() - started
            self._current = None
            self._done = None
        return load

    def _client_state(self, url_path: str, query_string: str) -> ClientState:
        state = ClientState()
        state.query_string = query_string
        page_hash = self.pages.get(url_path)
        if page_hash:
            state.page_script_hash = page_hash
        else:
            # Cold load of an st.navigation app: its pages are unknown until it has run once, so name the page
            # by url path and let the runtime resolve it (as the browser does). "" is the default page.
            state.page_name = url_path
        state.cached_message_hashes.extend(self._cache)
        info = state.context_info
        info.url = f"{self.base_url}/{url_path}" + (f"?{query_string}" if query_string else "")
        info.timezone = self.timezone
        info.timezone_offset = 0
        info.locale = self.locale
        info.color_scheme = "light"
        return state

    # --- incoming messages ----------------------------------------------------------------------------------

    async def _read_forever(self) -> None:
        assert self._ws is not None
        try:
            async for frame in self._ws:
                if isinstance(frame, str):  # the server only sends binary protobuf frames
                    self._error("text frame from the server")
                    continue
                self._on_frame(frame)
        except ConnectionClosed as exc:
            self._closed_reason = f"code {exc.rcvd.code if exc.rcvd else 'none'}"
        except Exception as exc:  # a parse error must end the load as an error, not hang it until its timeout
            self._closed_reason = f"{type(exc).__name__}: {exc}"
        else:
            self._closed_reason = "closed by the server"
        finally:
            if self._closed_reason and not self._closing:
                self._error(f"websocket closed ({self._closed_reason})", fatal=True)

    def _on_frame(self, frame: bytes) -> None:
        load = self._current
        if load is None:
            self.idle_bytes += len(frame)
        else:
            load.bytes_received += len(frame)
            load.frames += 1
            if load.frames > MAX_FRAMES_PER_LOAD:
                self._error(f"more than {MAX_FRAMES_PER_LOAD} frames", fatal=True)
                return
        msg = ForwardMsg()
        msg.ParseFromString(frame)
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            resolved = self._resolve(msg)
            if resolved is None:  # in a browser: an element left blank
                self._error(f"ref_hash {msg.ref_hash} not in this client's message cache")
                return
            msg, kind = resolved, resolved.WhichOneof("type")
            if load is not None:
                load.refs_resolved += 1
        elif msg.metadata.cacheable and msg.hash:
            self._cache[msg.hash] = _CacheEntry(msg, self._completed_runs)

        if kind == "new_session":
            self._on_new_session(msg)
            if load is not None:
                load.runs_started += 1
                load.page_script_hash = msg.new_session.page_script_hash
        elif kind == "navigation":
            # The page list as st.navigation declared it: url path -> page script hash. A run first sends one
            # for the pages/ directory, then (when st.navigation runs) the app's own; the last one holds.
            self.pages = {page.url_pathname: page.page_script_hash for page in msg.navigation.app_pages}
            if load is not None:
                load.page_script_hash = msg.navigation.page_script_hash
        elif kind == "delta":
            self._on_delta(msg, load)
        elif kind == "page_not_found":
            self._error(f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception":
            exc = msg.session_event.script_compilation_exception
            self._error(f"script compilation error: {exc.type}: {exc.message[:200]}")
        elif kind == "script_finished":
            self._on_script_finished(msg.script_finished)

    def _on_new_session(self, msg: ForwardMsg) -> None:
        # new_session.app_pages is not used for pages: in an st.navigation app it lists the pages/ directory's
        # files (url paths like "your_data", not the app's "your-data"); ForwardMsg.navigation is authoritative.
        age = msg.new_session.config.max_cached_message_age
        if age > 0:
            self.max_cached_message_age = age

    def _on_delta(self, msg: ForwardMsg, load: PageLoad | None) -> None:
        if load is not None:
            load.deltas += 1
        if msg.delta.WhichOneof("type") != "new_element":
            return
        element = msg.delta.new_element
        element_type = element.WhichOneof("type")
        if element_type == "exception":
            kind = "warning" if element.exception.is_warning else "exception"
            self._error(f"{kind} shown: {element.exception.type}: {element.exception.message[:200]}")
        elif element_type == "heading" and load is not None:
            load.headings.append(element.heading.body)

    def _on_script_finished(self, status: ForwardMsg.ScriptFinishedStatus.ValueType) -> None:
        if status in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
            self._completed_runs += 1
            self._expire_cache()
        if status in (ForwardMsg.FINISHED_EARLY_FOR_RERUN, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
            return  # st.switch_page / st.rerun: another run of the same request follows (no fragments here)
        if status != ForwardMsg.FINISHED_SUCCESSFULLY:
            self._error(f"script finished with {ForwardMsg.ScriptFinishedStatus.Name(status)}")
        # The run is over either way: the load ends here, with or without errors.
        if self._done is not None and not self._done.done():
            self._done.set_result(None)

    # --- the message cache ----------------------------------------------------------------------------------

    def _resolve(self, ref: ForwardMsg) -> ForwardMsg | None:
        entry = self._cache.get(ref.ref_hash)
        if entry is None:
            return None
        entry.last_used_run = self._completed_runs
        full = ForwardMsg()
        full.CopyFrom(entry.msg)
        full.metadata.CopyFrom(ref.metadata)  # where the element goes (delta_path) comes from the ref
        return full

    def _expire_cache(self) -> None:
        limit = self.max_cached_message_age
        for key in [k for k, e in self._cache.items() if self._completed_runs - e.last_used_run > limit]:
            del self._cache[key]

    @property
    def cached_messages(self) -> int:
        return len(self._cache)

    def _error(self, reason: str, *, fatal: bool = False) -> None:
        """Record an error on the load in progress, or as an idle error if none.

        A non-fatal error (an exception shown, an unresolved ref) leaves the load waiting for its script_finished,
        so the next request never meets the tail of this run. A fatal one (the socket closed) ends it at once.
        """
        load = self._current
        if load is None:
            self.idle_errors.append(reason)
            return
        load.errors.append(f"{load.label}: {reason}")
        if fatal and self._done is not None and not self._done.done():
            self._done.set_exception(_LoadFailedError())


class _LoadFailedError(Exception):
    """Ends a page load early; the reason is already in PageLoad.errors."""


def active_sessions(base_url: str, timeout_s: float = 10) -> int | None:
    """Sessions with an open websocket, from the server's /_stcore/metrics (None if it cannot say).

    Closed sessions kept for reconnection (server.disconnectedSessionTTL) are not counted.
    """
    if urlsplit(base_url).hostname not in LOOPBACK_HOSTS:
        raise ValueError(f"only 127.0.0.1 servers are allowed, not {base_url!r}")
    url = f"{base_url.rstrip('/')}/_stcore/metrics?families=active_sessions"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            text = response.read().decode()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("active_sessions"):
            return int(float(line.split()[-1]))
    return None
