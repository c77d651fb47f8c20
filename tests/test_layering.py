"""The layering rules: planner/ never imports streamlit; views/ never touch the database."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLANNER_MODULES = sorted(
    ".".join(path.relative_to(ROOT).with_suffix("").parts)
    for path in (ROOT / "planner").rglob("*.py")
    if "migrations" not in path.parts and path.name != "__main__.py"
)
PAGES = sorted((ROOT / "views").glob("*.py"))
FORBIDDEN_IN_PAGES = [r"\bselect\(", r"\bSession\(", r"\bDocument\(", r"\bCalendar\(",
                      r"\bopenai\b", r"\bsqlalchemy\b", r"\bsqlmodel\b"]


def test_planner_never_imports_streamlit():
    code = ("import importlib, sys\n"
            f"for name in {PLANNER_MODULES!r}:\n"
            "    importlib.import_module(name)\n"
            "loaded = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.'))\n"
            "print(','.join(loaded))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)

    assert len(PLANNER_MODULES) > 10
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_contain_no_data_access(page):
    source = page.read_text(encoding="utf-8")
    for pattern in FORBIDDEN_IN_PAGES:
        assert not re.search(pattern, source), f"{page.name} matches {pattern}"
