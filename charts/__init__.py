"""Pure figure builders: tables in, plotly Figures out. No Streamlit here."""
