import subprocess
import sys
from pathlib import Path

import governance.tally

ROOT = Path(__file__).resolve().parents[4]


def test_package__exports_exactly_what_it_lists() -> None:
    exported = {name for name in dir(governance.tally) if not name.startswith("_")}

    assert set(governance.tally.__all__) <= exported
    assert sorted(governance.tally.__all__) == sorted(set(governance.tally.__all__))


def test_package__imports_only_the_standard_library_and_numpy() -> None:
    probe = (
        "import sys, governance.tally\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'coopfed', 'federation', 'starlette', 'httpx'})\n"
        "print(','.join(bad))\n"
    )

    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert found.stdout.strip() == ""


def test_package__docstring_states_the_formulas() -> None:
    doc = governance.tally.__doc__ or ""

    for formula in (
        "turnout  = cast / eligible",
        "cast ≥ quorum × eligible",
        "yes > threshold × (yes + no)",
        "yes ≥ threshold × (yes + no)",
        "S_i = c_i × T",
    ):
        assert formula in doc
