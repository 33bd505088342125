"""Head-to-Head: which of two genres, or two titles, is the better bet, and on what does it win?"""
from core import ui
from core.decide import view

flt = ui.page_setup("Head-to-Head", "Which option is better? Two genres or two titles side by side, "
                    "with a scored winner and what decided it. The pair is in the URL, so a comparison "
                    "can be shared.")
ui.run(view.render_h2h, flt)
