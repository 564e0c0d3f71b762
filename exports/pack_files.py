"""A pack in the formats asked for: the writers (PowerPoint, PDF) over one set of rendered pictures."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from exports.pack_model import Pack, Progress
from exports.pack_pictures import Pictures, needed_pictures
from exports.pdf import pack_pdf
from exports.pptx import pack_pptx

WRITERS: dict[str, Callable[..., bytes]] = {"pptx": pack_pptx, "pdf": pack_pdf}


def build_files(
    pack: Pack, formats: Sequence[str] = ("pptx", "pdf"), progress: Progress | None = None
) -> dict[str, bytes]:
    """The pack in each format, pictures rendered once for all of them."""
    unknown = set(formats) - set(WRITERS)
    if unknown:
        raise ValueError(f"unknown pack format(s): {', '.join(sorted(unknown))}; use pptx or pdf")
    pictures = Pictures()
    needed = {picture.key: picture for fmt in formats for picture in needed_pictures(pack, fmt)}
    pictures.render(list(needed.values()), progress, share=0.8)
    files = {}
    for index, fmt in enumerate(formats):
        if progress is not None:
            progress(0.8 + 0.2 * index / len(formats), f"Writing the {fmt.upper()}")
        files[fmt] = WRITERS[fmt](pack, pictures=pictures)
    if progress is not None:
        progress(1.0, "Done")
    return files
