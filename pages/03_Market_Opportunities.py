"""Market Opportunities: where are the gaps? Which genres are under-supplied for their success, how concentrated
is engagement, which release windows work, and which genre pairings perform?"""
from core import ui
from core.explore import view

flt = ui.page_setup("Market Opportunities", "Where are the gaps? Saturation, concentration, release "
                                            "windows and genre pairings.")
ui.run(view.render_market, flt)
