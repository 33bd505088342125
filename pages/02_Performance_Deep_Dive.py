"""Performance Deep Dive: what drives success, when do titles do best, which stand apart, and what segments exist?"""
from core import ui
from core.explore import view

flt = ui.page_setup("Performance Deep Dive", "What drives success? Correlations, drivers, timing, "
                    "outliers and segments, all computed on the titles in view.")
ui.run(view.render_deepdive, flt)
