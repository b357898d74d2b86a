"""The package's imports point down its layers, in no circle, and never at dev tooling.

Layers, bottom first (docs/architecture.md):
  0 platform: educatenext.platform.** and extensions (no school concepts)
  1 data: every resource's repository.py, and pure domain values (the grading scale)
  2 house: auth's core, accounts' links, the audit recorder, caching, idempotency, metrics
  3 features: each resource's routes, service and schemas (auth's login and register too)
  4 app: the factory (educatenext/__init__), config, the bootstrap, seed and plan commands
A module may import its own layer or any below it. Function-level imports count too.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "educatenext"
DOMAIN_VALUES = {"educatenext.grades.scale", "educatenext.fees.balances"}
HOUSE = ("educatenext.auth.", "educatenext.accounts.", "educatenext.audit.recorder",
         "educatenext.caching.", "educatenext.idempotency.", "educatenext.metrics.")  # fmt: skip
APP = ("educatenext.bootstrap", "educatenext.config", "educatenext.seed.",
       "educatenext.queryplans.")  # fmt: skip
FEATURE_MODULES = ("routes", "service", "schemas")
# Private attributes of these libraries are read only in the one adapter module.
LIBRARY_PRIVATES = re.compile(
    r"\b(limiter|cache|backend|storage)\._[a-z]|\.(_write_client|_read_client|_get_prefix"
    r"|_storage_dead|_storage|_header_mapping|_headers_enabled|_retry_after|_storage_options"
    r"|_check_request_limit)\b"
)
ADAPTER = PACKAGE / "platform" / "library_internals.py"


def module_name(path):
    """educatenext.x.y for educatenext/x/y.py (a package for its __init__)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def layer(module):
    """The layer (0-4) a module of the package sits in."""
    last = module.rsplit(".", 1)[-1]
    if module.startswith("educatenext.platform") or module == "educatenext.extensions":
        return 0
    if last == "repository" or module in DOMAIN_VALUES:
        return 1
    if module == "educatenext" or module.startswith(APP):
        return 4
    if module.startswith(HOUSE) and last not in FEATURE_MODULES:
        return 2
    return 3


def imported_names(path):
    """(line, dotted name) of every import in a file; from-imports name module.attribute."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def internal_target(name):
    """The package module an imported name resolves to, or None outside the package."""
    while name and name not in MODULES:
        if "." not in name:
            return None
        name = name.rsplit(".", 1)[0]
    return name


def edges():
    """{module: {(imported module, line)}} within the package."""
    graph = {}
    for module, path in MODULES.items():
        targets = set()
        for line, name in imported_names(path):
            target = internal_target(name)
            if target is not None and target != module:
                targets.add((target, line))
        graph[module] = targets
    return graph


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target, _ in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_layer_rules_classify_what_they_should():
    assert layer("educatenext.platform.mongo.repository") == 0
    assert layer("educatenext.students.repository") == 1
    assert layer("educatenext.auth.identity") == 2
    assert layer("educatenext.auth.service") == 3
    assert layer("educatenext.students.routes") == 3
    assert layer("educatenext") == 4
    assert len(MODULES) > 100


def test_no_module_imports_a_layer_above_its_own():
    upward = [
        f"{module}:{line} (layer {layer(module)}) imports {target} (layer {layer(target)})"
        for module, targets in edges().items()
        for target, line in sorted(targets)
        if layer(target) > layer(module)
    ]
    assert upward == []


def test_no_import_circles():
    assert cycles(edges()) == []


def test_the_cycle_finder_finds_a_circle():
    graph = {"a": {("b", 1)}, "b": {("c", 1)}, "c": {("a", 1)}, "d": {("a", 1)}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_package_never_imports_dev_tooling():
    banned = ("devservers", "scripts", "tests", "secantus", "secantusdb", "mongomock")
    found = [
        f"{module}:{line} imports {name}"
        for module, path in MODULES.items()
        for line, name in imported_names(path)
        if name.split(".")[0] in banned
    ]
    assert found == []


def test_tests_import_nothing_from_scripts():
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in (ROOT / "tests").rglob("*.py")
        for line, name in imported_names(path)
        if name.split(".")[0] == "scripts"
    ]
    assert found == []


def test_the_private_attribute_pattern_matches_reads_not_adapter_calls():
    assert LIBRARY_PRIVATES.search("if limiter._storage_dead:")
    assert LIBRARY_PRIVATES.search("client = cache.cache._write_client")
    assert not LIBRARY_PRIVATES.search("library_internals.forget_storage_options(limiter)")


def test_only_the_adapter_reads_library_private_attributes():
    readers = [
        f"{path.relative_to(ROOT)}:{number}: {text.strip()}"
        for path in PACKAGE.rglob("*.py")
        if path != ADAPTER
        for number, text in enumerate(path.read_text().splitlines(), 1)
        if LIBRARY_PRIVATES.search(text)
    ]
    assert readers == []
