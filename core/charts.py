"""Shared chart pieces: one genre colour map for every page, the dark layout, and home/Data page charts.

Builders are ``noun(df) -> go.Figure`` with their input columns in the docstring and no Streamlit. Each builder
has a one-line reading guide in ``HOW_TO_READ`` that the page shows above the chart. Page-family builders live
in ``charts_*.py`` modules and reuse :func:`genre_color` and :func:`style`.
"""
from __future__ import annotations

import hashlib

import plotly.express as px
import plotly.graph_objects as go

#: Fixed colours for the genres both sources use, so a genre looks the same on every page.
GENRE_COLORS: dict[str, str] = {
    "Action": "#E4572E", "Adventure": "#F3A712", "Animation": "#29B6F6", "Comedy": "#FFC857",
    "Crime": "#8D6E63", "Documentary": "#66BB6A", "Drama": "#7E57C2", "Family": "#FF8A65",
    "Fantasy": "#BA68C8", "History": "#A1887F", "Horror": "#D32F2F", "Music": "#F06292",
    "Mystery": "#5C6BC0", "Romance": "#EC407A", "Science Fiction": "#26C6DA", "Sci-Fi": "#26C6DA",
    "Thriller": "#78909C", "War": "#9E9D24", "Western": "#BCAAA4", "Short": "#4DB6AC",
    "Unclassified": "#9E9E9E", "Children": "#FFB74D", "Musical": "#F48FB1", "Film-Noir": "#607D8B",
    "IMAX": "#4FC3F7", "TV Movie": "#90A4AE", "Action & Adventure": "#E4572E", "Kids": "#FFB74D",
    "Reality": "#AED581", "Sci-Fi & Fantasy": "#26C6DA", "Soap": "#CE93D8", "Talk": "#B0BEC5",
    "War & Politics": "#9E9D24", "News": "#80CBC4",
}
_FALLBACK = px.colors.qualitative.Dark24

TEMPLATE = "plotly_dark"


def genre_color(genre: str) -> str:
    """The colour of a genre, fixed for known genres and stable (hash-based) for any other."""
    if genre in GENRE_COLORS:
        return GENRE_COLORS[genre]
    digest = int(hashlib.md5(genre.encode()).hexdigest(), 16)
    return _FALLBACK[digest % len(_FALLBACK)]


def genre_color_map(genres) -> dict[str, str]:
    """Colour map for plotly express ``color_discrete_map``."""
    return {g: genre_color(str(g)) for g in genres}


def style(fig: go.Figure, height: int = 420, legend: bool = True) -> go.Figure:
    """Apply the shared dark layout."""
    fig.update_layout(template=TEMPLATE, height=height, margin=dict(l=10, r=10, t=40, b=10),
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", showlegend=legend,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def empty_figure(message: str) -> go.Figure:
    """A blank figure that says why there is nothing to draw."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font=dict(size=14))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style(fig, height=240, legend=False)
