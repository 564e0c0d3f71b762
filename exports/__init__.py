"""Everything that leaves the dashboard as a file: PNG charts, PDF board packs, CSV and Excel tables.

Pure functions (figures and frames in, bytes out); no Streamlit. One module per format.
"""
