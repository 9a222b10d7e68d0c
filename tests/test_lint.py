"""The code stays linted, formatted and simple: ruff's rules and format (pyproject.toml), and
no function more complex than MAX_COMPLEXITY as radon counts it (the measure of issue 10)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from radon.complexity import cc_visit
from radon.visitors import Function

ROOT = Path(__file__).resolve().parent.parent
RUFF = Path(sys.executable).with_name("ruff")  # the venv's pinned ruff (requirements-test.txt)
MAX_COMPLEXITY = 15
MEASURED = ("registry", "schemas")


@pytest.mark.parametrize(
    "command",
    [["check", "--output-format=concise", "."], ["format", "--check", "."]],
    ids=["check", "format"],
)
def test_ruff(command):
    result = subprocess.run(
        [str(RUFF), *command], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode:
        pytest.fail(f"ruff {' '.join(command)}:\n{result.stdout}{result.stderr}", pytrace=False)


def _functions(blocks) -> list[Function]:
    """Every function, method and nested function among radon's blocks (classes left out)."""
    found = []
    for block in blocks:
        if isinstance(block, Function):
            found.append(block)
            found.extend(_functions(block.closures))
        else:
            found.extend(_functions([*block.methods, *block.inner_classes]))
    return found


def test_no_function_above_max_complexity():
    too_complex = []
    for directory in MEASURED:
        for path in sorted((ROOT / directory).rglob("*.py")):
            for function in _functions(cc_visit(path.read_text(encoding="utf-8"))):
                if function.complexity > MAX_COMPLEXITY:
                    too_complex.append(
                        f"{path.relative_to(ROOT)}:{function.lineno} {function.fullname} "
                        f"({function.complexity})"
                    )
    if too_complex:
        pytest.fail(
            f"Cyclomatic complexity above {MAX_COMPLEXITY} (radon); split these:\n"
            + "\n".join(too_complex),
            pytrace=False,
        )
