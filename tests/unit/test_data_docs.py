"""The documented data contract is the contract the code checks."""
from __future__ import annotations

from pathlib import Path

from core.data import contract

ROOT = Path(__file__).resolve().parents[2]


def test_data_readme_holds_the_contract_the_code_validates():
    text = (ROOT / "data" / "README.md").read_text()
    start, end = text.index("<!-- contract:start -->\n"), text.index("<!-- contract:end -->")
    assert text[start + len("<!-- contract:start -->\n"):end] == contract.markdown()


def test_every_documented_field_and_page_table_exists():
    md = contract.markdown()
    for table in contract.TABLES.values():
        assert all(f"`{f.name}`" in md for f in table.fields)
    assert all(t in contract.TABLES for tables in contract.PAGE_TABLES.values() for t in tables)
