"""Operations logs: who published, restored or withdrew what, on the server's standard error.

Streamlit configures only its own loggers, so the store's audit lines (logged at INFO by stp_data.store) would
be dropped. One handler, attached once per server process; the line names the user, the dataset and its checksum.
"""

from __future__ import annotations

import logging
import sys

import streamlit as st

AUDIT_LOGGER = "stp_data.store"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@st.cache_resource(show_spinner=False)
def configure_audit_log() -> logging.Logger:
    logger = logging.getLogger(AUDIT_LOGGER)
    if not any(getattr(handler, "_stp_audit", False) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._stp_audit = True  # type: ignore[attr-defined]  (found again after a module reload)
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger
