"""Time to build the board packs: England PowerPoint and PDF (and one footprint, and a comparison of four
footprints), median of 3 runs.

    .venv/bin/python benchmarks/packs.py [--runs 3]

Each run builds the slides and renders every picture afresh (new `Pictures`); the first render of the process
also starts the warm kaleido browser, reported separately as "browser start". Needs Debian's Chromium.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import common

from exports import packs
from exports.pack_files import build_files
from exports.pdf import pack_pdf
from exports.png import shutdown_renderer, warm_up_renderer
from exports.pptx import pack_pptx

FRIMLEY = "E54000034"
COMPARED = ["E54000033", "E54000034", "E54000035", "E54000007"]  # Sussex, Frimley, Surrey Heartlands, Manchester


def median_seconds(build: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        build()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    warm_up_renderer()
    print(f"browser start (once per server process): {time.perf_counter() - start:.2f} s")
    inputs = packs.bundled_inputs()
    # A fresh PackInputs per run would rebuild the footprint figures too: build them inside each case.
    cases: dict[str, Callable[[], object]] = {
        "England PowerPoint": lambda: pack_pptx(packs.england_pack(inputs), pictures=packs.Pictures()),
        "England PDF": lambda: pack_pdf(packs.england_pack(inputs), pictures=packs.Pictures()),
        "England both (pictures once)": lambda: build_files(packs.england_pack(inputs)),
        "Footprint PowerPoint (Frimley)": lambda: pack_pptx(
            packs.footprint_pack(inputs, FRIMLEY), pictures=packs.Pictures()
        ),
        "Footprint PDF (Frimley)": lambda: pack_pdf(packs.footprint_pack(inputs, FRIMLEY), pictures=packs.Pictures()),
        "Footprint both (pictures once)": lambda: build_files(packs.footprint_pack(inputs, FRIMLEY)),
        "Compare PowerPoint (4 footprints)": lambda: pack_pptx(
            packs.compare_pack(inputs, COMPARED), pictures=packs.Pictures()
        ),
        "Compare PDF (4 footprints)": lambda: pack_pdf(packs.compare_pack(inputs, COMPARED), pictures=packs.Pictures()),
        "Compare both (pictures once)": lambda: build_files(packs.compare_pack(inputs, COMPARED)),
    }
    print(f"{'pack':34} {'median':>8}   runs")
    rows = []
    for name, build in cases.items():
        median, times = median_seconds(build, args.runs)
        print(f"{name:34} {median:7.2f}s   " + ", ".join(f"{t:.2f}" for t in times))
        rows.append(common.Row(f"pack: {name}", f"{median:.2f} s (n={len(times)})"))
    shutdown_renderer()
    common.save_rows("packs", rows)


if __name__ == "__main__":
    main()
