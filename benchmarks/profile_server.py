"""Where a page run's server time goes: pyinstrument inside Streamlit's script thread, over many page views.

    .venv/bin/python benchmarks/profile_server.py --page footprint --runs 20

Starts `streamlit run dashboard.py` in a child process whose ScriptRunner wraps every script run in a
pyinstrument profiler (a profiler started in the main thread would see only the event loop: the page script
runs in its own thread), asks for the page `--runs` times from fresh websocket sessions (after one warm-up),
and writes the combined profile of the measured runs to benchmarks/results/profile-PAGE.txt and .html. The
event loop's share (protobuf serialization, websocket writes) is not in it: cpu_per_page.py counts all of it.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import sys
import time

import common

ENV_OUT = "STP_PROFILE_OUT"
ENV_SKIP = "STP_PROFILE_SKIP"  # runs not profiled at the start (warm-up)
ENV_TIMER = "STP_PROFILE_TIMER"  # set: time the script thread's CPU per run instead of profiling


def serve_profiled(argv: list[str]) -> None:
    """In the child: patch the script runner, then run Streamlit's own command line."""
    from pyinstrument import Profiler
    from pyinstrument.session import Session
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.web import cli

    sessions: list[Session] = []
    skip = [int(os.environ.get(ENV_SKIP, "0"))]
    original = script_runner.ScriptRunner._run_script

    thread_ms: list[float] = []

    def profiled(self: object, rerun_data: object) -> None:
        if skip[0] > 0:
            skip[0] -= 1
            return original(self, rerun_data)
        if os.environ.get(ENV_TIMER):
            # Script-thread CPU alone, unprofiled: the rest of cpu_per_page.py's figure is the event loop.
            start = time.thread_time()
            try:
                return original(self, rerun_data)
            finally:
                thread_ms.append((time.thread_time() - start) * 1000)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        try:
            return original(self, rerun_data)
        finally:
            sessions.append(profiler.stop())

    def write() -> None:
        if thread_ms:
            ordered = sorted(thread_ms)
            with open(os.environ[ENV_OUT] + "-thread-ms.txt", "w") as handle:
                handle.write(
                    f"script-thread CPU per run: median {ordered[len(ordered) // 2]:.1f} ms, n={len(ordered)}\n"
                )
        if not sessions:
            return
        combined = sessions[0]
        for session in sessions[1:]:
            combined = Session.combine(combined, session)
        out = os.environ[ENV_OUT]
        profiler = Profiler()
        profiler._last_session = combined  # pyinstrument renders the session it holds
        with open(out + ".txt", "w") as handle:
            handle.write(profiler.output_text(unicode=True, show_all=False, timeline=False))
        with open(out + "-all.txt", "w") as handle:  # every frame, library ones included
            handle.write(profiler.output_text(unicode=True, show_all=True, timeline=False))
        with open(out + ".html", "w") as handle:
            handle.write(profiler.output_html())

    script_runner.ScriptRunner._run_script = profiled
    atexit.register(write)
    sys.argv = ["streamlit", "run", *argv]
    cli.main()


async def load_pages(url: str, path: str, query: str, runs: int) -> None:
    from ws_client import StreamlitWsClient

    for _ in range(runs):
        async with StreamlitWsClient(url) as client:
            await client.connect()
            load = await client.load(path, query)
            if load.errors:
                raise RuntimeError(load.errors)


async def profile_runs(url: str, pid: int, path: str, query: str, runs: int, warm: int) -> float:
    """As cpu_per_page.py: one idle session throughout, the warm-up runs, then the measured runs."""
    from cpu_per_page import bystander

    async with bystander(url):
        await load_pages(url, path, query, warm)
        await asyncio.to_thread(common.wait_idle, pid, 3.0, 900.0)  # with --warm, until every footprint is built
        start = time.monotonic()
        await load_pages(url, path, query, runs)
        return time.monotonic() - start


def main(argv: list[str] | None = None) -> None:
    parser = common.parser(__doc__.splitlines()[0], runs=20, budget_s=300)
    parser.add_argument("--page", default="footprint", help="url path ('' for the overview)")
    parser.add_argument("--query", default="stp=E54000034", help="query string (default the Frimley deep link)")
    parser.add_argument("--warm", action="store_true", help="every footprint built and frozen first, as on a replica")
    parser.add_argument("--timer", action="store_true", help="no profile: script-thread CPU per run (median)")
    args = parser.parse_args(argv)
    path = "" if args.page == "overview" else args.page
    query = "" if args.page == "overview" else args.query
    name = args.page or "overview"
    out = common.RESULTS / f"profile-{name}"
    warm = 2
    # The child runs this file with --serve: the server keeps the same command-line options common.py gives it.
    launcher = common.BENCH / "profile_server.py"
    serve = [common.PYTHON, str(launcher), "--serve"]
    with (
        common.empty_state(
            **{ENV_OUT: str(out), ENV_SKIP: str(warm + 1), ENV_TIMER: "1" if args.timer else ""}
            | (common.WARM_ENV if args.warm else {})
        ) as env,
        common.streamlit_server(launcher, env=env, serve_with=serve) as server,
    ):
        seconds = asyncio.run(profile_runs(server.url, server.pid, path, query, args.runs, warm))
        print(f"{args.runs} runs of /{path}?{query} in {seconds:.1f} s")
    if args.timer:
        print((out.parent / f"{out.name}-thread-ms.txt").read_text().strip())
    else:
        print(f"profile: {out}.txt, {out}.html")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve_profiled([str(common.DASHBOARD), *sys.argv[2:]])
    else:
        main()
