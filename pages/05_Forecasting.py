"""Forecasting: where is each top genre's monthly activity heading, does a forecast beat a naive one, and which
genres and titles are gaining speed?"""
from core import ui
from core.forecast import view

flt = ui.page_setup("Forecasting", view.question())
ui.run(view.render, flt)
