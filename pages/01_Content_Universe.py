"""Content Universe: what exists in the catalogue, which genres carry the engagement, and which titles lead?"""
from core import ui
from core.explore import view

flt = ui.page_setup("Content Universe", "What exists? Genres, quality against reach, engagement "
                                        "tiers and the titles that lead the view.")
ui.run(view.render_universe, flt)
