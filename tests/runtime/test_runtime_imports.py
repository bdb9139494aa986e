"""runtime/ imports only itself and numjac.compiler, never the frontend, and
its modules import each other without a cycle (imports inside functions
included)."""
import ast
import pathlib

RUNTIME = pathlib.Path(__file__).resolve().parents[2] / "runtime"


def module_name(path) -> str:
    parts = path.relative_to(RUNTIME).with_suffix("").parts
    return ".".join(("runtime",) + (parts[:-1] if parts[-1] == "__init__" else parts))


def imported_modules(path):
    """The absolute names (numjac's runtime as ``runtime``, the rest as
    ``numjac...``) of what ``path`` imports, anywhere in the file."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]
            if len(base) < 1:   # above runtime/: the numjac package
                base = ["numjac"]
            stem = base + (node.module.split(".") if node.module else [])
            if node.module:
                yield ".".join(stem)
            else:
                yield from (".".join(stem + [a.name]) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names)


def graph() -> dict:
    """Each runtime module -> the runtime modules it imports."""
    modules = {module_name(p): p for p in RUNTIME.rglob("*.py")}
    return {name: set(imported_modules(path)) & set(modules) for name, path in modules.items()}


def test_runtime_imports_no_frontend():
    for path in RUNTIME.rglob("*.py"):
        upward = [m for m in imported_modules(path) if m.startswith("numjac")
                  and not m.startswith(("numjac.compiler", "numjac.runtime"))]
        assert not upward, f"{module_name(path)} imports the frontend: {upward}"


def test_no_import_cycle_in_runtime():
    edges = graph()
    assert edges["runtime.lowering"], "the graph misses relative imports"
    done, active = set(), []

    def visit(name):
        if name in active:
            cycle = active[active.index(name):] + [name]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name not in done:
            active.append(name)
            for target in sorted(edges[name]):
                visit(target)
            active.pop()
            done.add(name)
    for name in sorted(edges):
        visit(name)
