"""Data: where does every number come from, how fresh is it, what failed validation, and how do I add live TMDB?"""
from core import ui
from core.data import view

ui.page_setup("Data", "Where do the numbers come from? Each source with its size and freshness, how every field "
              "is derived, what validation found, and the live TMDB sync.", filters=False)
ui.run(view.render)
