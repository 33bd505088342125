"""Usage: how is Marquee itself used, and how fast is each page? Views, sessions, flow, filters, searches, speed."""
from core import ui
from core.usage import view

ui.page_setup("Usage", "How is Marquee used, and is it fast? Page views, sessions, the flow between pages, the "
              "filters and searches people use, and each page's server render time.", filters=False)
ui.run(view.render)
