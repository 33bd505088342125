"""Churn: which subscribers are about to leave, why, and which retention campaign pays for itself?"""
from core import ui
from core.churn import view

flt = ui.page_setup("Churn", "Which subscribers are about to leave, why, and which retention campaign pays "
                    "for itself?", filters="source")
ui.run(view.render, flt)
