"""Recommender: what should each viewer watch next, why, and how good are these suggestions?"""
from core import ui
from core.recommend import view

flt = ui.page_setup("Recommender", "What should each viewer watch next, and why? A hybrid of content "
                    "similarity and collaborative filtering, checked on held-out ratings.", filters="source")
ui.run(view.render, flt)
