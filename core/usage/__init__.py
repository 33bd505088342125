"""Usage analytics of Marquee itself: events recorded off the render path (store), figures (insights), charts,
the page's cache boundary and view."""
