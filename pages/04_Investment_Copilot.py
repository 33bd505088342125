"""Investment Copilot: should we invest in this title, at what budget, and what would it be up against?"""
from core import ui
from core.decide import view

flt = ui.page_setup("Investment Copilot", "Should we invest in this title? Predicted popularity, hit "
                    "chance, risk and a plain call, from what a title has before it is made.")
ui.run(view.render_copilot, flt)
