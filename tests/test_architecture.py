"""The design stays visible: the layer contracts hold, and the pure core imports nothing else."""

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def test_import_linter_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout
    assert " 0 broken" in result.stdout


def test_engine_and_planning_import_nothing_else_from_verbund():
    graph = grimp.build_graph("verbund")
    for package in ("verbund.engine", "verbund.planning"):
        allowed = (package, "verbund.errors")
        for module in graph.find_descendants(package) | {package}:
            for imported in graph.find_modules_directly_imported_by(module):
                if imported.startswith("verbund"):
                    assert imported.startswith(allowed), f"{module} imports {imported}"


def test_architecture_page_lists_every_transition_of_the_tables():
    from verbund.engine.states import AGENT_TRANSITIONS, CONTACT_TRANSITIONS

    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for (state, event), new in CONTACT_TRANSITIONS.items():
        shown = "(new)" if state is None else state.value
        assert f"| {shown} | {event.value} | {new.value} |" in page
    for (presence, agent_event), new_presence in AGENT_TRANSITIONS.items():
        assert f"| {presence.value} | {agent_event.value} | {new_presence.value} |" in page
