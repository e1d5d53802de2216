"""Load the desk file (YAML) into a `DeskConfig`, with errors that name the file, the path and the line.

A problem reads `config/desk.yaml:14: groups.network.members[2]: unknown person 'zoe'`, so a
desk owner can go straight to the place and fix it. Every problem in the file is reported at
once, not just the first.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from deskops.core.config.desk import DeskConfig

DEFAULT_CONFIG = Path("config/desk.yaml")
"""Where the desk file is when neither `--config`/FILE nor DESKOPS_CONFIG says otherwise."""

Loc = tuple[str | int, ...]

# A message from a cross-reference check may start with the path it is about (`groups.x.members[1]: ...`).
_LEADING_PATH = re.compile(r"^(?P<path>[A-Za-z_][\w\-]*(?:\.[\w\-]+|\[\d+\])*)\s*:\s*(?P<rest>.+)$", re.DOTALL)
_NEXT_PROBLEM = re.compile(r";\s+(?=[A-Za-z_][\w\-]*(?:\.[\w\-]+|\[\d+\])+\s*:)")
_PATH_PART = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class ConfigProblem:
    """One problem in a desk file: where it is (path inside the file, YAML line) and what is wrong."""

    path: str
    message: str
    line: int | None = None

    def render(self, source: str) -> str:
        """Format as `FILE:LINE: PATH: MESSAGE` (line and path left out when unknown)."""
        where = f"{source}:{self.line}" if self.line else source
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigError(Exception):
    """The desk file could not be loaded; `problems` lists every located problem."""

    def __init__(self, source: str, problems: Sequence[ConfigProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(p.render(source) for p in self.problems))


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one, hiding typos)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first on line {seen[key]}); remove one of them",
                    key_node.start_mark,
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """Return DESKOPS_CONFIG if set, else `config/desk.yaml`."""
    env = os.environ if environ is None else environ
    value = env.get("DESKOPS_CONFIG")
    return Path(value) if value else DEFAULT_CONFIG


def load_config(path: str | Path) -> DeskConfig:
    """Read and validate the desk file at `path`; raise ConfigError with every located problem."""
    file = Path(path)
    source = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            source, [ConfigProblem("", "no such file; give the desk file's path or set DESKOPS_CONFIG")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, [ConfigProblem("", f"cannot read the file: {exc}")]) from None
    return parse_config(text, source=source)


def parse_config(text: str, *, source: str = "<desk file>") -> DeskConfig:
    """Validate desk-file YAML `text`; `source` names it in error messages."""
    try:
        root = yaml.compose(text, Loader=_StrictLoader)
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise ConfigError(source, [ConfigProblem("", f"not valid YAML: {problem}", line)]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(source, [ConfigProblem("", f"not valid YAML: {exc}")]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            source, [ConfigProblem("", "the desk file must be a mapping of sections (name:, calendars:, ...)", 1)]
        )
    try:
        return DeskConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, _problems(exc, data, root)) from None


def _problems(exc: ValidationError, data: Any, root: Node | None) -> list[ConfigProblem]:
    """Turn pydantic errors into located problems; errors on the same path are merged."""
    located = [
        (_locate(error, data), len(_data_loc(tuple(error["loc"]), data, keep_last=False)) < len(error["loc"]))
        for raw in exc.errors(include_url=False)
        for error in _split(raw)
    ]
    # A union (e.g. `hours: {...} | "24x7"`) fails once per alternative; when one alternative got
    # deeper into the value, its error is the useful one and the shallow "should be '24x7'" is noise.
    tagged = [loc for (loc, _), is_union in located if is_union]
    merged: dict[str, tuple[list[str], int | None]] = {}
    for (loc, message), is_union in located:
        if is_union and any(len(other) > len(loc) and other[: len(loc)] == loc for other in tagged):
            continue
        path = format_path(loc)
        line = _line_of(root, loc)
        messages, _ = merged.setdefault(path, ([], line))
        if message not in messages:
            messages.append(message)
    return [ConfigProblem(path, " or ".join(msgs), line) for path, (msgs, line) in merged.items()]


def _split(error: Any) -> list[Any]:
    """One error per problem: a cross-reference check may list several, `path: msg; path: msg`."""
    message = str(error["msg"]).removeprefix("Value error, ")
    parts = _NEXT_PROBLEM.split(message) if error["type"] == "value_error" else [message]
    return [{**error, "msg": part} for part in parts]


def _locate(error: Any, data: Any) -> tuple[Loc, str]:
    """Return the error's path in the file's own terms (union tags dropped) and a readable message."""
    kind = error["type"]
    raw_loc = tuple(error["loc"])
    message = str(error["msg"])
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    loc = _data_loc(raw_loc, data, keep_last=kind in {"missing"})
    # Cross-reference checks report from the root and name the path themselves.
    leading = _LEADING_PATH.match(message)
    if leading is not None:
        named = parse_path(leading["path"])
        # The named path may be relative to the validated model, or absolute from the file's root.
        for candidate in (loc + named, named if named[: len(loc)] == loc else ()):
            if candidate and _data_loc(candidate[:1], data, keep_last=False) == candidate[:1]:
                loc = _data_loc(candidate, data, keep_last=True)
                message = leading["rest"]
                break
    if kind == "extra_forbidden" and loc:
        message = f"unknown key {loc[-1]!r}" + _suggestion(loc, data)
    elif kind == "missing" and loc:
        message = f"required key {loc[-1]!r} is missing"
    return loc, message


def _data_loc(raw_loc: Loc, data: Any, *, keep_last: bool) -> Loc:
    """Follow `raw_loc` through the data, dropping parts that are pydantic union tags, not keys."""
    out: list[str | int] = []
    node = data
    for index, part in enumerate(raw_loc):
        found = isinstance(node, dict) and part in node
        found = found or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node))
        if found:
            out.append(part)
            node = node[part]
        elif keep_last and index == len(raw_loc) - 1:
            out.append(part)
    return tuple(out)


def _suggestion(loc: Loc, data: Any) -> str:
    """`; did you mean 'x'?` for an unknown key close to an allowed one, else the allowed keys."""
    allowed = _allowed_keys(loc[:-1], data)
    if not allowed:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; allowed keys: {', '.join(sorted(allowed))}"


def _allowed_keys(parent: Loc, data: Any) -> list[str]:
    """The field names of the model found at `parent` (walking DeskConfig's annotations)."""
    annotation: Any = DeskConfig
    for part in parent:
        model = _model_in(annotation)
        if model is not None and isinstance(part, str) and part in model.model_fields:
            annotation = model.model_fields[part].annotation
            continue
        container = _container_item(annotation)
        if container is None:
            return []
        annotation = container
    model = _model_in(annotation)
    return list(model.model_fields) if model is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model class in `annotation` (itself, or one member of a union/Optional)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            model = _model_in(arg)
            if model is not None:
                return model
    return None


def _container_item(annotation: Any) -> Any:
    """The value type of a dict/list/tuple annotation (possibly inside a union), else None."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is dict and len(args) == 2:
        return args[1]
    if origin in (list, tuple, set, frozenset) and args:
        return args[0]
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            item = _container_item(arg)
            if item is not None:
                return item
    return None


def format_path(loc: Loc) -> str:
    """Format a location as `groups.network.members[2]`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def parse_path(path: str) -> Loc:
    """Parse `groups.network.members[2]` back into `("groups", "network", "members", 2)`."""
    return tuple(int(index) if index else key for key, index in _PATH_PART.findall(path))


def _line_of(root: Node | None, loc: Loc) -> int | None:
    """The 1-based YAML line of the node at `loc` (or of the deepest existing parent)."""
    if root is None:
        return None
    node: Node = root
    line = node.start_mark.line + 1
    for part in loc:
        child: Node | None = None
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode) and key_node.value == str(part):
                    child = value_node
                    # A key's own line is where a reader looks, also for block values below it.
                    line = key_node.start_mark.line + 1
                    break
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def summarize(config: DeskConfig) -> dict[str, int]:
    """Count the entries of each mapping/list section of a loaded desk file (for check-config)."""
    counts: dict[str, int] = {}
    for name in type(config).model_fields:
        value = getattr(config, name)
        if isinstance(value, Mapping | list | tuple):
            counts[name] = len(value)
    return counts
