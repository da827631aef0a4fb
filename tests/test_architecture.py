"""The house rules that hold for the whole code base (issue 15, ARCHITECTURE.md).

No import cycle among careercenter modules (imports inside functions count), no module over 450
lines, no commit/rollback in a views module, and every cross-domain connection made by
`careercenter/wiring.py` when the app is built, never by importing a module.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

from flask import Flask

from careercenter import checks, homepanels, observability, signals, statemachine
from careercenter.audit import export

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "careercenter"
MAX_LINES = 450


def _modules() -> dict[str, tuple[Path, bool]]:
    """Every careercenter module: dotted name → (file, is a package's __init__)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


def _known(name: str, modules: dict[str, Any]) -> str | None:
    """`name` if it is a module, else the closest enclosing module or package."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """module → the careercenter modules it imports, wherever the import statement is."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, (path, is_package) in modules.items():
        package = name if is_package else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                for alias in node.names:
                    # `from careercenter.x import y` imports the module x.y if there is one, else x.
                    full = f"{base}.{alias.name}"
                    targets.append(full if full in modules else base)
            for target in targets:
                if target.split(".")[0] != "careercenter":
                    continue
                known = _known(target, modules)
                if known is not None and known != name:
                    graph[name].add(known)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; returns every component, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert sorted(strongly_connected(graph)) == [["a", "b", "c"], ["d"], ["e"]]


def test_the_import_graph_sees_imports_inside_functions() -> None:
    """doctor imports the signing module only inside a check: the edge is still there."""
    assert "careercenter.transcripts.signing" in import_graph()["careercenter.doctor"]


def test_no_import_cycles() -> None:
    graph = import_graph()
    cycles = [c for c in strongly_connected(graph) if len(c) > 1]
    report = []
    for cycle in cycles:
        members = set(cycle)
        edges = "; ".join(f"{m} → {', '.join(sorted(graph[m] & members))}" for m in cycle)
        report.append(f"{' ↔ '.join(cycle)}  ({edges})")
    assert not cycles, "import cycles among careercenter modules:\n" + "\n".join(report)


def test_no_module_is_over_450_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path, _ in _modules().values()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def _is_views_module(path: Path) -> bool:
    return path.name == "views.py" or path.name.endswith(("_views.py", "pages.py"))


def test_views_never_commit_or_roll_back() -> None:
    """The request's transaction is careercenter/transaction.py's, never a view's."""
    found = []
    for path, _ in _modules().values():
        if not _is_views_module(path):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"commit", "rollback"}
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.func.attr}()")
    assert not found, "views that end the transaction themselves:\n" + "\n".join(sorted(found))


# ---- wiring ----------------------------------------------------------------------------------------


def _receivers(signal: Any) -> set[Any]:
    return {r() if isinstance(r, weakref.ref) else r for r in signal.receivers.values()}


def _snapshot() -> dict[str, Any]:
    return {
        "award_rescinded": _receivers(signals.award_rescinded),
        "transcript_revoked": _receivers(signals.transcript_revoked),
        "panels": {role: [(p.order, p.render) for p in homepanels.panels_for(role)] for role in homepanels.Role},
        "checks": list(checks.CHECKS),
        "sections": [s.name for s in export.EXTRA_SECTIONS],
        "gauges": list(observability.GAUGES),
        "recorder": list(statemachine._recorder),
    }


def test_create_app_wires_every_receiver_and_registry_once(app: Flask, make_app: Any) -> None:
    from careercenter.audit.service import record_event
    from careercenter.credentials import status as credential_status
    from careercenter.doctor import CORE_CHECKS
    from careercenter.registrar.documents import check_award_documents
    from careercenter.sso.doctor_checks import check_cas, check_saml
    from careercenter.transcripts import receivers

    before = _snapshot()
    assert before["award_rescinded"] >= {receivers.on_award_rescinded, credential_status.on_award_rescinded}
    # Revoking a transcript changes that document only: no credential receiver (issue 18).
    modules = {getattr(r, "__module__", "") for r in before["transcript_revoked"]}
    assert not any(m.startswith("careercenter.credentials") for m in modules)
    assert receivers.on_name_changed in _receivers(signals.name_changed)
    assert before["checks"] == [*CORE_CHECKS, check_saml, check_cas, check_award_documents]
    assert before["sections"] == ["transcripts", "amendment_requests"]
    assert [g.__name__ for g in before["gauges"]] == ["outbox_gauges", "signoff_gauges", "award_gauges", "job_gauges"]
    assert before["recorder"] == [record_event]
    panel_names = {role.value: [p.__name__ for _, p in panels] for role, panels in before["panels"].items()}
    assert panel_names["student"] == ["student_panel", "student_panel", "student_panel", "student_panel"]
    assert panel_names["advisor"] == ["advisor_panel"]
    assert panel_names["registrar"] == ["registrar_panel", "registrar_panel", "registrar_panel"]
    assert panel_names["admin"] == ["admin_panel"]  # the admin home: its own cards (issue 23)

    make_app()
    make_app()
    assert _snapshot() == before


_IMPORT_EVERYTHING = """
import importlib, json, sys, weakref
for name in sys.argv[1:]:
    importlib.import_module(name)
from careercenter import checks, homepanels, observability, signals, statemachine
from careercenter.audit import export
print(json.dumps({
    "award_rescinded": len(signals.award_rescinded.receivers),
    "transcript_revoked": len(signals.transcript_revoked.receivers),
    "panels": sum(len(homepanels.panels_for(role)) for role in homepanels.Role),
    "checks": len(checks.CHECKS),
    "sections": len(export.EXTRA_SECTIONS),
    "gauges": len(observability.GAUGES),
    "recorder": len(statemachine._recorder),
}))
"""


def test_importing_every_module_connects_and_registers_nothing() -> None:
    """Without create_app, importing the whole package leaves every signal and registry empty."""
    names = sorted(_modules())
    result = subprocess.run(  # noqa: S603 (our own interpreter, our own module names)
        [sys.executable, "-c", _IMPORT_EVERYTHING, *names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts == dict.fromkeys(counts, 0)


def test_the_package_builds_with_its_data_and_no_setuptools_warning(tmp_path: Path) -> None:
    """The vendored JSON-LD contexts and schemas (and the CSS, the demo rules) are package data:
    building lists them and setuptools does not warn that they look like packages."""
    result = subprocess.run(  # noqa: S603 (our own interpreter building our own project)
        [
            sys.executable,
            "-c",
            "import setuptools; setuptools.setup()",
            "-q",
            "egg_info",
            "--egg-base",
            str(tmp_path),
            "build_py",
            "--build-lib",
            str(tmp_path / "lib"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Package would be ignored" not in result.stderr, result.stderr[-2000:]
    built = {str(p.relative_to(tmp_path / "lib")) for p in (tmp_path / "lib").rglob("*") if p.suffix != ".py"}
    shipped = {
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    }
    assert shipped <= built
