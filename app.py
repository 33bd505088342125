"""Home: what is in the portfolio right now, where the data comes from, and where to go next."""
from core import ui
from core.home import view

flt = ui.page_setup("Marquee", "Content intelligence for what a streaming service makes, buys and promotes.")
ui.run(view.render, flt)
