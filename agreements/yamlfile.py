"""Reading YAML for agreements and releases: syntax errors become findings with a line number."""

from __future__ import annotations

from pathlib import Path

import yaml

from .findings import Finding

DOCUMENT = "(document)"


class _Loader(yaml.SafeLoader):
    """Safe YAML, with two changes that matter for agreements.

    Dates stay text as written (``2025-01-31``): the schema checks their format, and an
    impossible date such as ``2025-02-30`` becomes a finding instead of a crash. A key given
    twice is an error: plain YAML keeps the last one silently, which could hide a clause.
    """

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, str | int) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def parse_yaml(text: str) -> tuple[object, list[Finding]]:
    """Parse YAML text; return ``(data, [])`` or ``(None, [a finding with the line number])``."""
    try:
        return yaml.load(text, Loader=_Loader), []  # _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "an unknown line"
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "not valid YAML"
        return None, [
            Finding(
                DOCUMENT,
                f"YAML syntax error at {where}: {what}. Check the indentation and the "
                "colons on that line and the line before it.",
            )
        ]
    except yaml.YAMLError as exc:
        return None, [Finding(DOCUMENT, f"not valid YAML: {exc}")]


def read_yaml_file(path: str | Path) -> tuple[object, list[Finding]]:
    """Read and parse a YAML file; problems reading it are findings too, never exceptions."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None, [Finding(DOCUMENT, f"the file {path} does not exist. Check the path.")]
    except OSError as exc:
        return None, [Finding(DOCUMENT, f"cannot read {path}: {exc.strerror}.")]
    except UnicodeDecodeError as exc:
        return None, [
            Finding(
                DOCUMENT,
                f"the file is not UTF-8 text (byte {exc.start}). Save it as UTF-8 and try again.",
            )
        ]
    return parse_yaml(text)
