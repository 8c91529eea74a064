"""The code's house rules that no linter checks: modules small enough to read in one
sitting, functions that fit on a screen, and SQL only in `store/` (the layer rules
themselves are import-linter contracts in pyproject.toml, run by `make test`)."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", ".git", "var", "build", "node_modules", ".pytest_cache", ".ruff_cache"}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
SQL_HOMES = ("store", "bench", "tests")  # the store owns SQL; benches and tests may check it
SQL_IN_TEXT = re.compile(
    r"\bSELECT\b.+\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
    r"|\bCREATE\s+(OR\s+REPLACE\s+)?(TEMP\s+)?(TABLE|VIEW|INDEX)\b|\bMERGE\s+INTO\b",
    re.DOTALL,
)
SQL_CALL = re.compile(r"\.(execute|executemany|sql)\(")


def python_files() -> list[Path]:
    return sorted(
        p
        for p in ROOT.rglob("*.py")
        if not SKIP.intersection(p.relative_to(ROOT).parts) and "egg-info" not in str(p)
    )


def long_functions(source: str) -> list[tuple[str, int]]:
    tree = ast.parse(source)
    return [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]


def sql_lines(source: str) -> list[int]:
    """Lines of string literals that read as SQL, and of calls that run it."""
    found = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING and SQL_IN_TEXT.search(token.string):
            found.add(token.start[0])
        elif token.type == tokenize.NAME and token.string in {"execute", "executemany", "sql"}:
            line = token.line
            if SQL_CALL.search(line):
                found.add(token.start[0])
    return sorted(found)


def test_no_module_over_400_lines_and_no_function_over_80():
    offenders = []
    for path in python_files():
        source = path.read_text()
        name = path.relative_to(ROOT)
        lines = source.count("\n")
        if lines > MAX_MODULE_LINES:
            offenders.append(f"{name}: {lines} lines (module limit {MAX_MODULE_LINES})")
        offenders += [
            f"{name}: {func}() is {length} lines (function limit {MAX_FUNCTION_LINES})"
            for func, length in long_functions(source)
        ]
    assert not offenders, "split these:\n" + "\n".join(offenders)


def test_sql_is_written_only_in_the_store():
    offenders = []
    for path in python_files():
        name = path.relative_to(ROOT)
        if name.parts[0] in SQL_HOMES:
            continue
        offenders += [f"{name}:{line}" for line in sql_lines(path.read_text())]
    assert not offenders, "SQL outside store/ (move it to a named store function):\n" + "\n".join(
        offenders
    )


def test_the_sql_check_sees_sql_in_strings_and_calls():
    assert sql_lines('q = "SELECT count(*) FROM zones"\n') == [1]
    assert sql_lines("cur.execute(query)\n") == [1]
    assert sql_lines('label = "Select a zone from the list"\n') == []


def test_no_test_module_imports_another():
    """Shared test code lives in tests/helpers (and fixtures in conftest.py files): a test
    module imported by another runs its tests' imports twice and ties suites together."""
    offenders = []
    for path in python_files():
        parts = path.relative_to(ROOT).parts
        if parts[0] != "tests" or "helpers" in parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                a.name for a in node.names] if isinstance(node, ast.Import) else []  # fmt: skip
            offenders += [f"{path.relative_to(ROOT)} imports {n}" for n in names
                          if re.match(r"tests\.(unit|integration|browser)\b", n)]  # fmt: skip
    assert offenders == []
