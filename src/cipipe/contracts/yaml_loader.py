"""YAML in, plain data out, within limits that a hostile document cannot get around.

PyYAML's safe loader cannot run code, but it will happily spend minutes and gigabytes: aliases
share nodes, so a 500-byte "billion laughs" parses at once and only explodes when a model walks
it; every open flow collection is rescanned per token; and the pure-Python parser takes tens of
microseconds per value. So the loader counts values and depth while it parses, then checks
what the aliases expand to before anything is constructed. Imported only when YAML is read.
"""

from __future__ import annotations

from typing import Any

import yaml

from cipipe.contracts.limits import (
    MAX_DEPTH,
    MAX_YAML_BYTES,
    MAX_YAML_NODES,
    check_values,
    field_path,
    short_repr,
    size_text,
)
from cipipe.errors import InputError

Path_ = tuple[int | str, ...]


def parse_yaml(text: str, file: str, *, check: bool = True) -> Any:
    """One YAML document as Python data, or one InputError naming the file (and line or field).

    ``check`` (cipipe's own files) also refuses values no contract may hold: see
    ``cipipe.contracts.limits.check_values``."""
    if len(text) > MAX_YAML_BYTES:
        raise InputError(
            "file is too big", file=file, expected=f"at most {size_text(MAX_YAML_BYTES)}"
        )
    loader: GuardedLoader | None = None
    try:
        loader = GuardedLoader(text)  # refuses NUL and other unprintable characters
        node = loader.get_single_node()
        if node is None:
            return None
        _NodeBudget(file).visit(node, ())
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise InputError(f"invalid YAML{where}: {exc.problem}", file=file) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()
    if check:
        check_values(data, file)
    return data


class GuardedLoader(yaml.SafeLoader):
    """The safe loader with limits, and a key given twice is an error (YAML would silently keep
    the last one)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        # Counted while parsing, so a huge or deep document stops early: the cost of a value
        # is paid before any check after parsing could run.
        self.depth += 1
        self.nodes += 1
        try:
            if self.depth > MAX_DEPTH + 1:  # the document's top node is depth 1
                raise self._refusal(f"nested more than {MAX_DEPTH} levels deep")
            if self.nodes > MAX_YAML_NODES:
                raise self._refusal(f"more than {MAX_YAML_NODES} values")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def _refusal(self, problem: str) -> yaml.composer.ComposerError:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        return yaml.composer.ComposerError(None, None, problem, mark)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # "<<: *defaults" is expanded by the base class
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a list or mapping as a key", key_node.start_mark
                ) from None
            if isinstance(key, str) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # A scalar Python cannot convert (a 5,000-digit integer, the 30th of February) raises
        # ValueError or OverflowError: report it at its line, like a syntax error.
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            value = short_repr(str(node.value))
            reason = str(exc).split(";")[0]
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {value}: {reason}", node.start_mark
            ) from None


class _NodeBudget:
    """What the parsed node graph expands to: one visit per distinct node, however far the
    aliases would expand it, refusing too many values, too deep a nesting, or a loop."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.expanded: dict[int, tuple[int, int]] = {}  # id(node) -> (values, height)
        self.open: set[int] = set()  # nodes being visited: reaching one again is a loop

    def visit(self, node: yaml.Node, path: Path_) -> tuple[int, int]:
        known = self.expanded.get(id(node))
        if known is not None:
            self._check_depth(len(path) + known[1], path)
            return known
        self._check_depth(len(path), path)
        if id(node) in self.open:
            raise self._error("an alias refers to a mapping or list that contains it", path)
        self.open.add(id(node))
        nodes, height = 1, 0
        for child, where in _children(node, path):
            child_nodes, child_height = self.visit(child, where)
            nodes += child_nodes
            height = max(height, child_height + 1)
            if nodes > MAX_YAML_NODES:
                raise self._error(f"aliases expand it to more than {MAX_YAML_NODES} values", where)
        self.open.discard(id(node))
        self.expanded[id(node)] = (nodes, height)
        return nodes, height

    def _check_depth(self, depth: int, path: Path_) -> None:
        if depth > MAX_DEPTH:
            raise InputError(
                f"aliases nest it more than {MAX_DEPTH} levels deep",
                file=self.file,
                field=field_path(path[:MAX_DEPTH]),
                expected="a flatter document",
            )

    def _error(self, problem: str, path: Path_) -> InputError:
        return InputError(
            problem,
            file=self.file,
            field=field_path(path),
            expected="a document without runaway aliases",
        )


def _children(node: yaml.Node, path: Path_) -> list[tuple[yaml.Node, Path_]]:
    if isinstance(node, yaml.SequenceNode):
        return [(child, (*path, index)) for index, child in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        children: list[tuple[yaml.Node, Path_]] = []
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "(key)"
            children += [(key, (*path, "(key)")), (value, (*path, name))]
        return children
    return []
