"""The house rules of the code's layout, checked from the source: data flows one way, Streamlit stays at the top.

settings → stp_data, geo → charts → exports → ui → pages and dashboard.py. A module imports only from its own
layer or below, the pure layers never import Streamlit, and no two modules import each other (even indirectly).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

LAYERS = {"settings": 0, "stp_data": 1, "geo": 1, "charts": 2, "exports": 3, "ui": 4, "pages": 5, "dashboard": 5}
PURE = {"settings", "stp_data", "geo", "charts", "exports"}


def project_modules() -> dict[str, Path]:
    found = {"settings": ROOT / "settings.py", "dashboard": ROOT / "dashboard.py"}
    for package in ("stp_data", "geo", "charts", "exports", "ui", "pages"):
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(path: Path) -> set[str]:
    """Modules a file imports. `from package import submodule` imports the submodule (the package's __init__
    runs too, but a package's own modules importing their siblings that way is not a cycle)."""
    return imports_in(path.read_text(encoding="utf-8"), path)


def imports_in(source: str, path: Path) -> set[str]:
    """imports_of for the source text of a module at `path` (which need not exist)."""
    modules = project_modules()
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = absolute(path, node.module, node.level)  # `from .x import y` counts like `from pkg.x import y`
            if not module:
                continue
            submodules = {f"{module}.{alias.name}" for alias in node.names} & modules.keys()
            names.update(submodules)
            if len(submodules) < len(node.names):
                names.add(module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in DYNAMIC
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            # importlib.import_module("x") / __import__("x") with a literal name: an import all the same.
            names.add(node.args[0].value)
    return names


DYNAMIC = {"import_module", "__import__"}


def absolute(path: Path, module: str | None, level: int) -> str | None:
    """The absolute module a relative import names, from the importing file's own package."""
    if level == 0:
        return module
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, module] if module else base) or None


def internal_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: {i for i in imports_of(path) if i in modules and i != name} for name, path in modules.items()}


def test_pure_layers_never_import_streamlit():
    offenders = [
        name
        for name, path in project_modules().items()
        if name.split(".")[0] in PURE and any(i.split(".")[0].startswith("streamlit") for i in imports_of(path))
    ]
    assert offenders == []


def test_no_module_imports_a_layer_above_it():
    upward = [
        f"{name} -> {target}"
        for name, targets in internal_graph().items()
        for target in targets
        if LAYERS[target.split(".")[0]] > LAYERS[name.split(".")[0]]
    ]
    assert upward == []


def test_no_import_cycles():
    graph = internal_graph()
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str], on_path: set[str], done: set[str]) -> None:
        for target in sorted(graph[node]):
            if target in on_path:
                cycles.append([*path[path.index(target) :], target])
            elif target not in done:
                visit(target, [*path, target], on_path | {target}, done)
        done.add(node)

    done: set[str] = set()
    for start in sorted(graph):
        if start not in done:
            visit(start, [start], {start}, done)
    assert cycles == []


def test_pages_folder_holds_only_page_scripts():
    scripts = {path.stem for path in (ROOT / "pages").glob("*.py")}
    import settings

    pages = {Path(value).stem for key, value in vars(settings).items() if key.endswith("_PAGE")}
    assert scripts == pages


def test_upload_limit_is_the_same_for_streamlit_and_the_reader():
    import tomllib

    import settings

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == settings.MAX_UPLOAD_MB


def test_relative_and_dynamic_imports_are_seen():
    """The checks above would miss `from .x import y` or importlib.import_module("streamlit_x") without this."""
    source = 'from .style import MAP_CONFIG\nimport importlib\nimportlib.import_module("streamlit_extras")\n'
    found = imports_in(source, ROOT / "charts" / "probe.py")
    assert "charts.style" in found and "streamlit_extras" in found
