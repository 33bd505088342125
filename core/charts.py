"""Shared chart pieces: one genre colour map for every page, the dark layout, and home/Data page charts.

Builders are ``noun(df) -> go.Figure`` with their input columns in the docstring and no Streamlit. Each builder
has a one-line reading guide in ``HOW_TO_READ`` that the page shows above the chart. Page-family builders live
in ``charts_*.py`` modules and reuse :func:`genre_color` and :func:`style`.
"""
from __future__ import annotations

import colorsys
import functools
import hashlib
import threading
from collections import OrderedDict

import plotly.graph_objects as go
import plotly.io as pio

#: One fixed colour per genre name both sources use (IMDb, MovieLens, TMDB movie and TV lists), so a genre looks
#: the same on every page. Every name has its own colour, related names included ("Action" vs "Action &
#: Adventure", "Science Fiction" vs "Sci-Fi & Fantasy", "War" vs "War & Politics", "Children" vs "Kids"): a chart
#: can show both at once (TMDB movies and TV together). A unit test checks that all colours are distinct.
GENRE_COLORS: dict[str, str] = {
    "Action": "#E4572E", "Action & Adventure": "#FF6F00", "Adventure": "#F3A712", "Animation": "#29B6F6",
    "Children": "#FFB74D", "Kids": "#76FF03", "Comedy": "#FFE082", "Crime": "#8D6E63",
    "Documentary": "#66BB6A", "Drama": "#7E57C2", "Family": "#FF8A65", "Fantasy": "#BA68C8",
    "History": "#A1887F", "Horror": "#D32F2F", "Music": "#F06292", "Musical": "#F8BBD0",
    "Mystery": "#5C6BC0", "Romance": "#C2185B", "Science Fiction": "#00E5FF", "Sci-Fi": "#00897B",
    "Sci-Fi & Fantasy": "#B2EBF2", "Thriller": "#78909C", "War": "#9E9D24", "War & Politics": "#DCE775",
    "Western": "#C8A165", "Short": "#4DB6AC", "Unclassified": "#9E9E9E", "Film-Noir": "#37474F",
    "IMAX": "#1E88E5", "TV Movie": "#3949AB", "Reality": "#AED581", "Soap": "#F50057", "Talk": "#CFD8DC",
    "News": "#80CBC4",
}
_MIN_DISTANCE = 30.0  # RGB distance a generated colour keeps from every fixed one

TEMPLATE = "plotly_dark"
# Every chart of the app uses this one template, so it is plotly's (process-wide) default rather than set per
# figure: applying a template in ``update_layout`` costs ~20 ms a figure, on every rerun that redraws it.
pio.templates.default = TEMPLATE


#: Built figures kept for reuse (least recently used first out); a page's warm rerun sends the same figures again.
MAX_REUSED = 256
_REUSED: OrderedDict[str, go.Figure] = OrderedDict()
_REUSED_LOCK = threading.Lock()


def _digest(value, h) -> None:
    """Feed ``value``'s content into hash ``h``: frames and arrays by their data, containers item by item.
    ``TypeError`` for values whose content cannot be read (an object known only by its address)."""
    import numpy as np
    import pandas as pd

    if isinstance(value, (pd.DataFrame, pd.Series)):
        names = value.columns if isinstance(value, pd.DataFrame) else [value.name]
        h.update(repr((type(value).__name__, value.shape, list(map(str, names)),
                       [str(t) for t in np.atleast_1d(value.dtypes)])).encode())
        try:
            h.update(pd.util.hash_pandas_object(value, index=True).values.tobytes())
        except TypeError:  # list or dict cells
            h.update(pd.util.hash_pandas_object(value.astype(str), index=True).values.tobytes())
    elif isinstance(value, np.ndarray):
        h.update(repr((value.shape, str(value.dtype))).encode() + np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        for k in value:
            _digest(k, h)
            _digest(value[k], h)
    elif isinstance(value, (list, tuple, set, frozenset)):
        h.update(type(value).__name__.encode())
        for item in sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value:
            _digest(item, h)
    else:
        text = repr(value)
        if " at 0x" in text:
            raise TypeError(f"no stable content for {type(value).__name__}")
        h.update(text.encode())


def reused(build):
    """Decorate a figure builder so that the same inputs (by content) give back the figure already built.

    A warm page rerun rebuilds every chart from the same cached data; building a Plotly figure (layout updates,
    validation) was a large share of a warm run. Hashing the inputs costs a fraction of that. The figure is
    shared by every session that asks for it, so nothing may change it after it is built (pages only hand it
    to ``st.plotly_chart``, which copies it). Inputs without readable content are built every time.
    """
    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        h = hashlib.blake2b(f"{build.__module__}.{build.__qualname__}".encode(), digest_size=16)
        try:
            _digest(args, h)
            _digest(kwargs, h)
        except TypeError:
            return build(*args, **kwargs)
        key = h.hexdigest()
        with _REUSED_LOCK:
            found = _REUSED.get(key)
            if found is not None:
                _REUSED.move_to_end(key)
                return found
        fig = build(*args, **kwargs)
        with _REUSED_LOCK:
            _REUSED[key] = fig
            while len(_REUSED) > MAX_REUSED:
                _REUSED.popitem(last=False)
        return fig

    wrapper.uncached = build
    return wrapper


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))


def _generated_color(genre: str) -> str:
    """A stable colour for a genre outside the fixed map: hue, saturation and lightness from the name's hash
    (16.7 million values, so two names share one only by a hash collision), stepped round the colour wheel
    until it is clearly apart from every fixed colour."""
    digest = hashlib.md5(genre.encode()).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    sat, light = 0.55 + digest[2] / 255 * 0.35, 0.45 + digest[3] / 255 * 0.2
    fixed = [_rgb(c) for c in GENRE_COLORS.values()]
    for step in range(64):
        r, g, b = colorsys.hls_to_rgb((hue + step * 0.618034) % 1.0, light, sat)
        rgb = (round(r * 255), round(g * 255), round(b * 255))
        if min(sum((x - y) ** 2 for x, y in zip(rgb, f)) ** 0.5 for f in fixed) >= _MIN_DISTANCE:
            break
    return "#{:02X}{:02X}{:02X}".format(*rgb)


def genre_color(genre: str) -> str:
    """The colour of a genre: fixed for known genres, stable (hash-based) for any other; never shared by two
    known genres."""
    return GENRE_COLORS.get(genre) or _generated_color(genre)


def genre_color_map(genres) -> dict[str, str]:
    """Colour map for plotly express ``color_discrete_map``."""
    return {g: genre_color(str(g)) for g in genres}


def style(fig: go.Figure, height: int = 420, legend: bool = True) -> go.Figure:
    """Apply the shared dark layout."""
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10),
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
