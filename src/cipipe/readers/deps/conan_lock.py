"""conan.lock, as conan 1 and conan 2 write it: the exact recipes a build used.

Conan 2 (``"version": "0.5"``) lists references by role, newest first::

    {"version": "0.5",
     "requires": ["zlib/1.3.1#cce89bbf5e12554a076c09bfe8eaf546%1795793960.4046535"],
     "build_requires": ["cmake/3.28.1#55a73ecf...%1795793961.0000765"],
     "python_requires": ["pyhelpers/0.3#d80f747a...%1795793959.8006551"],
     "config_requires": []}

Conan 1 (``"version": "0.4"``; 0.2/0.3 alike) stores the whole graph; node "0" is the consumer
(a ``path``, no ``ref``), edges are node ids, and a node built for the build machine says
``"context": "build"``::

    {"graph_lock": {"nodes": {
        "0": {"requires": ["1"], "build_requires": ["2"], "path": "conanfile.txt"},
        "1": {"ref": "zlib/1.3.1#43e76e40...", "package_id": "1b1b...", "prev": "c3c4...",
              "python_requires": ["pyhelpers/0.3#34c607a4..."]},
        "2": {"ref": "cmake/3.28.1#8363f9fb...", "context": "build"}}},
     "version": "0.4"}

What only builds (build/tool requires, python_requires, config requires, and whatever is
reached only through them) gets scope "excluded"; what the program links, "required".
The recipe revision goes into the purl as the conan type's ``rrev`` qualifier; the binary's
package id and package revision, which the purl could only carry together with every
setting and option, are properties.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps._common import (
    as_object,
    get_list,
    get_object,
    get_str,
    load_json_object,
)
from cipipe.readers.deps._conan import ConanReference, parse_reference

Scope = Literal["required", "excluded"]
# conan 2 lists -> scope; in file order.
V2_LISTS: dict[str, Scope] = {
    "requires": "required",
    "build_requires": "excluded",
    "python_requires": "excluded",
    "config_requires": "excluded",
}
LOCK_LIST_PROPERTY = "cipipe:conan-lock-list"
PACKAGE_ID_PROPERTY = "cipipe:conan-package-id"
PREV_PROPERTY = "cipipe:conan-prev"


def parse(text: str, *, source: str = "conan.lock") -> list[Dependency]:
    """The locked references: conan 2 in list order, conan 1 in node order."""
    lock = load_json_object(text, "a conan lockfile")
    graph = get_object(lock, "graph_lock", "graph_lock")
    if graph is not None:
        return _parse_graph_lock(graph, source)
    version = lock.get("version")
    if version != "0.5":
        raise DependencyFileError(
            f"unsupported conan lockfile: version {version!r} without a graph_lock "
            "(conan 2 writes version 0.5, conan 1 a graph_lock)"
        )
    dependencies: list[Dependency] = []
    for key, scope in V2_LISTS.items():
        for i, item in enumerate(get_list(lock, key, key)):
            where = f"{key}[{i}]"
            if not isinstance(item, str):
                raise DependencyFileError(f"{where}: expected a reference string")
            reference = _reference(item, where)
            dependencies.append(_dependency(reference, source, scope, ((LOCK_LIST_PROPERTY, key),)))
    return dependencies


def _parse_graph_lock(graph: dict[str, Any], source: str) -> list[Dependency]:
    nodes_value = get_object(graph, "nodes", "graph_lock.nodes")
    if nodes_value is None:
        raise DependencyFileError("graph_lock: no nodes")
    nodes = {
        node_id: as_object(node, f"graph_lock.nodes.{node_id}")
        for node_id, node in nodes_value.items()
    }
    edges = {
        node_id: (
            _node_ids(node, "requires", node_id, nodes),
            _node_ids(node, "build_requires", node_id, nodes),
        )
        for node_id, node in nodes.items()
    }
    referenced = {target for requires, build in edges.values() for target in (*requires, *build)}
    roots = [node_id for node_id in nodes if node_id not in referenced]
    host = _reachable(roots, lambda node_id: edges[node_id][0])

    dependencies: list[Dependency] = []
    python_requires: dict[str, Dependency] = {}
    for node_id, node in nodes.items():
        where = f"graph_lock.nodes.{node_id}"
        ref_text, package_id, prev = _node_reference(node, where)
        for i, item in enumerate(get_list(node, "python_requires", f"{where}.python_requires")):
            item_where = f"{where}.python_requires[{i}]"
            if not isinstance(item, str):
                raise DependencyFileError(f"{item_where}: expected a reference string")
            python_requires.setdefault(
                item,
                _dependency(
                    _reference(item, item_where),
                    source,
                    "excluded",
                    ((LOCK_LIST_PROPERTY, "python_requires"),),
                ),
            )
        if ref_text is None or (node_id in roots and "path" in node):
            continue  # the consumer itself (conanfile.txt / conanfile.py), not a dependency
        reference = _reference(ref_text, f"{where}.ref")
        build_only = node_id not in host or node.get("context") == "build"
        properties = [(PACKAGE_ID_PROPERTY, package_id), (PREV_PROPERTY, prev)]
        dependencies.append(
            _dependency(
                reference,
                source,
                "excluded" if build_only else "required",
                tuple((k, v) for k, v in properties if v and v != "0"),
            )
        )
    return dependencies + list(python_requires.values())


def _node_reference(node: dict[str, Any], where: str) -> tuple[str | None, str | None, str | None]:
    """(reference, package id, package revision); lockfile 0.3 wrote a package reference
    ``name/version#rrev:package_id#prev`` under ``pref`` instead of ``ref``."""
    ref = get_str(node, "ref", f"{where}.ref")
    package_id = get_str(node, "package_id", f"{where}.package_id")
    prev = get_str(node, "prev", f"{where}.prev")
    pref = get_str(node, "pref", f"{where}.pref")
    if ref is None and pref is not None:
        ref, _, binary = pref.partition(":")
        if binary:
            binary_id, _, binary_rev = binary.partition("#")
            package_id = package_id or binary_id
            prev = prev or binary_rev or None
    return ref, package_id, prev


def _node_ids(
    node: dict[str, Any], key: str, node_id: str, nodes: dict[str, dict[str, Any]]
) -> list[str]:
    ids = get_list(node, key, f"graph_lock.nodes.{node_id}.{key}")
    for target in ids:
        if not isinstance(target, str) or target not in nodes:
            raise DependencyFileError(
                f"graph_lock.nodes.{node_id}.{key}: {target!r} is not a node of the graph"
            )
    return ids


def _reachable(start: Iterable[str], successors: Callable[[str], Iterable[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(start)
    while stack:
        node_id = stack.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        stack.extend(successors(node_id))
    return seen


def _reference(text: str, where: str) -> ConanReference:
    reference = parse_reference(text)
    if reference is None:
        raise DependencyFileError(f"{where}: {text!r} is not a conan reference")
    return reference


def _dependency(
    reference: ConanReference,
    source: str,
    scope: Scope,
    properties: tuple[tuple[str, str], ...],
) -> Dependency:
    return Dependency(
        name=reference.name,
        version=reference.version,
        purl=reference.purl,
        source=source,
        scope=scope,
        properties=reference.properties + properties,
    )
