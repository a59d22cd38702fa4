import subprocess
import sys
from pathlib import Path

import governance.ledger.allocation as allocation

ROOT = Path(__file__).resolve().parents[5]


def test_package__exports_exactly_what_it_lists() -> None:
    exported = {name for name in dir(allocation) if not name.startswith("_")}

    assert set(allocation.__all__) <= exported
    assert sorted(allocation.__all__) == sorted(set(allocation.__all__))


def test_package__imports_only_the_standard_library() -> None:
    # Pure domain code: no database, web or federation layer, so anyone can rerun an allocation.
    probe = (
        "import sys, governance.ledger.allocation\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'coopfed', 'federation', 'starlette', 'httpx', 'sqlalchemy', 'numpy'})\n"
        "print(','.join(bad))\n"
    )

    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert found.stdout.strip() == ""


def test_package__docstring_states_the_formulas() -> None:
    doc = allocation.__doc__ or ""

    for formula in (
        "fixed_X = share_X × S",
        "room = S − Σ fixed",
        "wanted = r × Σ Cᵢ",
        "I = floor(I*)",
        "I ≤ (fixed + room) / 2",
        "ceil(cash share × amount)",
        "L + R + I + Σ patronageᵢ = S",
    ):
        assert formula in doc


def test_package__docs_page_exists_and_cites_the_sources() -> None:
    text = (ROOT / "docs" / "allocation.md").read_text(encoding="utf-8")

    for source in ("78-763", "1388", "largest remainder"):
        assert source in text
