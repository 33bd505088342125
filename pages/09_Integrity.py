"""Integrity: can we trust the engagement we see? Fake engagement and audience sentiment."""
from core import ui
from core.integrity import view

flt = ui.page_setup("Integrity", "Can we trust the engagement we see? Fake engagement and audience sentiment.")
ui.run(view.render, flt)
