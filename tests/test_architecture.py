"""The layers hold: import-linter's contract (pyproject.toml), imports at module top, one
definition of each shared notion, and the CLI the same through ``policykg`` and ``python -m``."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("api", "kg", "embeddings", "corpus", "ontology")


def _sources():
    for pkg in PACKAGES:
        yield from sorted((ROOT / pkg).rglob("*.py"))


def test_the_layers_contract_is_kept():
    exe = Path(sys.executable).parent / "lint-imports"
    proc = subprocess.run([str(exe), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "1 kept, 0 broken" in proc.stdout


def test_project_imports_sit_at_module_top_unless_a_comment_says_why():
    offenders = []
    for path in _sources():
        tree = ast.parse(path.read_text("utf-8"))
        lines = path.read_text("utf-8").splitlines()
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    mod = node.module
                elif isinstance(node, ast.ImportFrom) and node.level > 0:
                    mod = "relative"
                elif isinstance(node, ast.Import):
                    mod = node.names[0].name
                else:
                    continue
                if mod == "relative" or mod.split(".")[0] in PACKAGES:
                    if not re.search(r"noqa: PLC0415 - \S", lines[node.lineno - 1]):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert not offenders, "\n".join(offenders)


def _definitions(pattern: str) -> list[str]:
    rx = re.compile(pattern, re.M)
    return [f"{p.relative_to(ROOT)}" for p in _sources() if rx.search(p.read_text("utf-8"))]


def test_one_definition_of_each_shared_notion():
    assert _definitions(r"^ENTITY_TYPES\b.*=") == ["kg/records.py"]
    assert len(_definitions(r"^def split_issuers\(")) == 1
    assert _definitions(r"^def (cn_number|cn_int|parse_cn\w*)\(") == ["corpus/numerals.py"]
    assert len(_definitions(r"^def highlights\(")) == 1
    assert len(_definitions(r"^(CJK|_CJK|HAN)\s*=")) == 1


def test_python_m_api_cli_has_every_command():
    out = subprocess.run([sys.executable, "-m", "api.cli", "--help"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120).stdout
    for name in ("build", "docs", "show", "serve", "entities", "targets", "slogans", "search", "precedent",
                 "cascade", "concept", "sparql", "export", "eval"):
        assert re.search(rf"^\s+{name}\b", out, re.M), name
