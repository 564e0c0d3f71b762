"""Start the dashboard: `python -m ui.serve [streamlit run options]` = `streamlit run dashboard.py …`, fixed.

With a folder named pages/ beside dashboard.py (the layout the project asks for), Streamlit 1.67 decides on the
first session whether the app is a legacy "pages directory" app. It is not (dashboard.py calls st.navigation),
but until the first script run says so, a first visitor who opens /load-data gets a "Page not found" dialog.
Setting the flag before the server starts means no session ever sees the legacy mode.
"""

from __future__ import annotations

import sys
from pathlib import Path

ENTRYPOINT = str(Path(__file__).resolve().parent.parent / "dashboard.py")


def main(argv: list[str]) -> int:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", ENTRYPOINT, *argv]
    return cli.main()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
