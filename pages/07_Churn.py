"""Churn: which subscribers are about to leave, why, and which retention campaign pays for itself?"""
from core import ui
from core.churn import view

ui.page_setup("Churn", "Which subscribers are about to leave, why, and which retention campaign pays for itself?",
              filters=False)
view.render()
