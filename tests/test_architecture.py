"""The layers stack one way (shared/DESIGN.md): read with ``ast``, every
import of every module of compiler/, runtime/ and frontend/ (those inside
functions too) must go down the stack below and never round a cycle; no
module uses another's underscore names; no source file is over 500 lines.
Each test lists every offender, not just the first."""
import ast
import pathlib
import tomllib
from dataclasses import dataclass

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

# The layers, bottom first: each imports only itself and those before it.
LAYERS = ("numjac.compiler", "numjac.runtime", "numjac")

# Inside numjac.compiler, bottom first, by the name after ``numjac.compiler.``:
# a module imports only modules of its own level or below.  The package
# itself (its __init__, which fills the registries) sits on top of them all.
COMPILER_LEVELS = (
    ("atoms",),             # types, variables and literals
    ("printer",),           # the one text form of an IR
    ("ir",),                # equations and IRs
    ("rules",),             # Primitive and the rule registries
    ("typecheck",),         # re-derives every type from the shape rules
    ("builder",),           # binds equations, typechecking what it builds
    ("primitives",),        # one stanza per primitive: shape rule and first-order rules
    ("passes",),            # IR-to-IR transforms, and rules that run them
    ("coloring",),          # graph colorings compressing sparse Jacobians (NumPy, SciPy only)
)

MAX_LINES = 500


# -- reading the modules -------------------------------------------------------------------

@dataclass(frozen=True)
class Module:
    name: str               # e.g. "numjac.compiler.ir"
    path: pathlib.Path
    is_package: bool        # an __init__.py

    @property
    def package(self) -> str:
        """The package relative imports start from."""
        return self.name if self.is_package else self.name.rpartition(".")[0]

    @property
    def where(self) -> str:
        inside = self.path.is_relative_to(ROOT)
        return str(self.path.relative_to(ROOT) if inside else self.path)

    def tree(self) -> ast.Module:
        return ast.parse(self.path.read_text(), str(self.path))


def package_dirs() -> dict:
    """{package name: its directory}, from pyproject.toml's package-dir."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return {package: ROOT / folder for package, folder in setuptools["package-dir"].items()}


def module_name(package: str, folder: pathlib.Path, path: pathlib.Path) -> str:
    parts = path.relative_to(folder).with_suffix("").parts
    return ".".join((package,) + (parts[:-1] if parts[-1] == "__init__" else parts))


def read_modules() -> dict:
    """{module name: Module} for every source file of the installed packages."""
    modules = {}
    for package, folder in package_dirs().items():
        for path in sorted(folder.rglob("*.py")):
            name = module_name(package, folder, path)
            modules[name] = Module(name, path, path.name == "__init__.py")
    return modules


MODULES = read_modules()


def absolute_base(node: ast.ImportFrom, module: Module) -> str:
    """The module ``from <base> import ...`` names, relative or not."""
    if node.level == 0:
        return node.module
    package = module.package.split(".")
    base = ".".join(package[:len(package) - node.level + 1])
    return f"{base}.{node.module}" if node.module else base


def imports_of(module: Module):
    """(imported module, import node) for every import in ``module``, those
    inside functions included.  ``from p import y`` imports the module p.y
    when there is one, and p otherwise."""
    for node in ast.walk(module.tree()):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node
        elif isinstance(node, ast.ImportFrom):
            base = absolute_base(node, module)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield (submodule if submodule in MODULES else base), node


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int

    def __str__(self):
        return f"{MODULES[self.source].where}:{self.line}: {self.source} imports {self.target}"


def import_edges() -> list:
    """Every import of one of our modules by another."""
    edges = set()
    for module in MODULES.values():
        for target, node in imports_of(module):
            if target in MODULES and target != module.name:
                edges.add(Edge(module.name, target, node.lineno))
    return sorted(edges, key=lambda e: (e.source, e.line, e.target))


# -- cycles -------------------------------------------------------------------------------

def strongly_connected(graph: dict) -> list:
    """Tarjan's strongly connected components of ``graph`` (node -> set)."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = set()
            while not component or node not in component:
                component.add(stack.pop())
            on_stack.difference_update(component)
            components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def shortest_cycle(graph: dict, start: str, within: set) -> list:
    """The shortest path start -> ... -> start inside ``within`` (breadth first)."""
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for succ in sorted(graph[node] & within):
                if succ == start:
                    return paths[node] + [start]
                if succ not in paths:
                    paths[succ] = paths[node] + [succ]
                    following.append(succ)
        frontier = following
    raise AssertionError(f"{start} is on no cycle")


def cycle_reports(edges) -> list:
    graph = {name: set() for name in MODULES}
    for edge in edges:
        graph[edge.source].add(edge.target)
    reports = []
    for component in strongly_connected(graph):
        if len(component) < 2:
            continue
        cycle = shortest_cycle(graph, min(component), component)
        inside = [f"    {e}" for e in edges if e.source in component and e.target in component]
        reports.append("cycle: " + " -> ".join(cycle) + "\n  its imports:\n"
                       + "\n".join(inside))
    return reports


def test_no_import_cycles():
    reports = cycle_reports(import_edges())
    assert not reports, f"{len(reports)} import cycle(s):\n" + "\n".join(reports)


def test_cycles_are_found():
    edges = [Edge("numjac.compiler.ir", "numjac.compiler.printer", 1),
             Edge("numjac.compiler.printer", "numjac.compiler.ir", 2),
             Edge("numjac.compiler.rules", "numjac.compiler.ir", 3)]
    [report] = cycle_reports(edges)
    assert report.startswith("cycle: numjac.compiler.ir -> numjac.compiler.printer -> "
                             "numjac.compiler.ir\n")
    assert "rules" not in report


# -- layers ----------------------------------------------------------------------------------

def layer(name: str) -> int:
    return next(i for i, top in enumerate(LAYERS) if name == top or name.startswith(top + "."))


def compiler_level(name: str):
    """The index in COMPILER_LEVELS of a numjac.compiler module, None if it
    is not in the table."""
    parts = name.split(".")[2:]
    if not parts:
        return len(COMPILER_LEVELS)
    return next((i for i, names in enumerate(COMPILER_LEVELS) if parts[0] in names), None)


def upward(edge: Edge) -> bool:
    """Whether ``edge`` imports a higher layer (or compiler level); modules
    missing from COMPILER_LEVELS are left to their own test."""
    if layer(edge.target) != layer(edge.source):
        return layer(edge.target) > layer(edge.source)
    levels = (compiler_level(edge.source), compiler_level(edge.target))
    if LAYERS[layer(edge.source)] != "numjac.compiler" or None in levels:
        return False
    return levels[1] > levels[0]


def upward_reports(edges) -> list:
    return [f"  {e}" for e in edges if upward(e)]


def test_every_compiler_module_has_a_level():
    missing = [name for name in MODULES
               if layer(name) == 0 and compiler_level(name) is None]
    assert not missing, f"add these modules to COMPILER_LEVELS: {missing}"


def test_imports_go_down_the_layers():
    reports = upward_reports(import_edges())
    assert not reports, (f"{len(reports)} upward import(s) (layers {LAYERS}; inside the "
                         f"compiler {COMPILER_LEVELS}):\n" + "\n".join(reports))


@pytest.mark.parametrize("source, target, expected", [
    ("numjac.runtime.codegen", "numjac.compiler.ir", False),
    ("numjac.runtime.codegen", "numjac.api", True),
    ("numjac.compiler.passes.fold", "numjac.runtime.interpreter", True),
    ("numjac.compiler.primitives.elementwise", "numjac.compiler.builder", False),
    ("numjac.compiler.primitives.control", "numjac.compiler.passes.batching", True),
    ("numjac.compiler.ir", "numjac.compiler.printer", False),
    ("numjac.compiler", "numjac.compiler.passes", False),
    ("numjac.api", "numjac.compiler.passes", False),
])
def test_upward_imports_are_found(source, target, expected):
    assert upward(Edge(source, target, 1)) is expected


def test_the_compiler_never_imports_numba():
    found = [f"  {module.where}:{node.lineno}: imports {target}"
             for module in MODULES.values() if layer(module.name) == 0
             for target, node in imports_of(module) if target.split(".")[0] == "numba"]
    assert not found, "compiler/ must not import numba:\n" + "\n".join(found)


def test_imports_are_read_in_functions_and_relative_forms(tmp_path):
    source = tmp_path / "probe.py"
    source.write_text("import numjac.compiler.ir\n"
                      "from numjac import pytree\n"
                      "from ..compiler import printer, IR\n"
                      "def f():\n"
                      "    from . import implements\n"
                      "    import numba\n")
    probe = Module("numjac.numpy_api.probe", source, False)
    assert [target for target, _ in imports_of(probe)] == [
        "numjac.compiler.ir", "numjac.pytree", "numjac.compiler.printer",
        "numjac.compiler", "numjac.numpy_api", "numba"]


# -- private names -------------------------------------------------------------------------

def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def module_bindings(module: Module) -> dict:
    """{local name: module it is bound to} from the imports of ``module``."""
    bound = {}
    for node in ast.walk(module.tree()):
        if isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                bound[alias.asname or root] = alias.name if alias.asname else root
        elif isinstance(node, ast.ImportFrom):
            base = absolute_base(node, module)
            for alias in node.names:
                if f"{base}.{alias.name}" in MODULES:
                    bound[alias.asname or alias.name] = f"{base}.{alias.name}"
    return bound


def dotted(node):
    """'a.b.c' for the expression a.b.c, None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return base and f"{base}.{node.attr}"
    return None


def private_imports(module: Module) -> list:
    """``from m import _x`` of one of our modules m."""
    found = []
    for node in ast.walk(module.tree()):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = absolute_base(node, module)
        found += [f"  {module.where}:{node.lineno}: from {base} import {alias.name}"
                  for alias in node.names if base in MODULES and is_private(alias.name)]
    return found


def private_attributes(module: Module) -> list:
    """``m._x`` where m names one of our modules."""
    bound = module_bindings(module)
    found = []
    for node in ast.walk(module.tree()):
        if not (isinstance(node, ast.Attribute) and is_private(node.attr)):
            continue
        path = dotted(node.value)
        if path is None or path.split(".")[0] not in bound:
            continue
        root, _, rest = path.partition(".")
        target = bound[root] + ("." + rest if rest else "")
        if target in MODULES and target != module.name:
            found.append(f"  {module.where}:{node.lineno}: {target}.{node.attr}")
    return found


def private_uses(modules) -> list:
    found = []
    for module in modules:
        found += private_imports(module) + private_attributes(module)
    return found


def test_no_module_uses_another_modules_private_names():
    found = private_uses(MODULES.values())
    assert not found, (f"{len(found)} use(s) of another module's underscore names "
                       "(give what is shared a public name):\n" + "\n".join(found))


def test_private_uses_are_found(tmp_path):
    source = tmp_path / "probe.py"
    source.write_text("import numjac.compiler.builder\n"
                      "from numjac.compiler import printer as P\n"
                      "from .compiler.ir import _hidden, __all__\n"
                      "def f():\n"
                      "    from .compiler import builder\n"
                      "    return (builder._ACTIVE, P._Namer, P.__doc__,\n"
                      "            numjac.compiler.builder._x)\n")
    probe = Module("numjac.probe", source, False)
    found = [line.split(": ", 1)[1] for line in private_uses([probe])]
    assert found == ["from numjac.compiler.ir import _hidden",
                     "numjac.compiler.builder._ACTIVE", "numjac.compiler.printer._Namer",
                     "numjac.compiler.builder._x"]


# -- file length -----------------------------------------------------------------------------

def test_no_source_file_is_over_500_lines():
    long = [f"  {m.where}: {n} lines" for m in MODULES.values()
            if (n := len(m.path.read_text().splitlines())) > MAX_LINES]
    assert not long, f"source files over {MAX_LINES} lines:\n" + "\n".join(long)
