"""The readable CLI: ``--version``, ``sparql`` tables and query files, and the ``targets``,
``slogans`` and ``entities`` tables with Chinese labels, run on a build of the bundled corpus.

Expected content was read from corpus/000_*.txt: 一、总体要求 says "2024年主要目标是，…农业科技
进步贡献率达到64%"; the same section lists the 四千行动 as "…巴渝和美乡村示范创建、农民增收致富促进"."""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from api.cli import main
from api.cli.tables import render_table, width
from kg.records import COMPARATOR_ZH, Comparator
from typing import get_args

ROOT = Path(__file__).resolve().parents[1]
RAW_NAMES = ("gte", "lte", "approx", "increaseBy", "percentagePoint", "township", "provincial", "county")


def _run(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def _line_with(out: str, text: str) -> str:
    lines = [ln for ln in out.splitlines() if text in ln]
    assert lines, f"no line with {text!r} in\n{out}"
    return lines[0]


def test_version_is_the_package_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    assert capsys.readouterr().out.strip() == f"policykg {declared}"


def test_table_aligns_cjk_by_display_width():
    out = render_table(["指标", "值"], [["农业科技进步贡献率", "64%"], ["rate", "8%"]]).splitlines()
    # the second column starts at the same terminal cell on every line
    starts = {width(ln[:ln.rindex("  ") + 2]) for ln in out}
    assert starts == {width("农业科技进步贡献率") + 2} and len(out) == 4


def test_every_comparator_has_a_chinese_label():
    assert set(COMPARATOR_ZH) == set(get_args(Comparator))


def test_targets_doc_000_table(built_data, capsys):
    out = _run(capsys, "targets", "--doc", "000", "--data", str(built_data))
    header = out.splitlines()[0]
    for col in ("文件", "指标", "比较", "目标值", "年份", "条款"):
        assert col in header
    row = _line_with(out, "农业科技进步贡献率")
    assert "64%" in row and "不低于" in row and "2024" in row
    assert "000" in row and "三溪镇" in row and "乡镇" in row and "一、" in row
    assert not any(f" {raw} " in f" {out} " for raw in RAW_NAMES)


def test_targets_json_keeps_machine_names(built_data, capsys):
    rows = json.loads(_run(capsys, "targets", "--doc", "000", "--json", "--data", str(built_data)))
    hit = [t for t in rows if t["indicator"] == "农业科技进步贡献率"]
    assert hit and hit[0]["comparator"] == "gte" and hit[0]["value"] == 64.0
    table = _run(capsys, "targets", "--doc", "000", "--data", str(built_data))
    assert table.rstrip().endswith(f"({len(rows)} 条)")


def test_slogans_table(built_data, capsys):
    out = _run(capsys, "slogans", "--doc", "000", "--data", str(built_data))
    row = _line_with(out, "四千行动")
    assert "巴渝和美乡村示范创建" in row and "000" in row


def test_entities_table_labels_types_in_chinese(built_data, capsys):
    out = _run(capsys, "entities", "--type", "indicator", "--doc", "000", "--data", str(built_data))
    row = _line_with(out, "农业科技进步贡献率")
    assert row.startswith("指标") and "000" in row
    assert "indicator" not in out


def test_sparql_query_file_prints_a_table(built_data, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = _run(capsys, "sparql", "kg/queries/slogan_components.rq", "--data", str(built_data))
    header = out.splitlines()[0].split()
    assert header == ["doc", "title", "slogan", "position", "component"]
    assert "巴渝和美乡村示范创建" in out
    assert "@zh" not in out and "^^" not in out and "XMLSchema" not in out
    assert re.search(r"^\((\d+) 行", out.splitlines()[-1]).group(1) == str(len(out.splitlines()) - 3)


def test_sparql_table_shortens_iris_and_strips_datatypes(built_data, capsys):
    q = ("PREFIX pk: <https://w3id.org/policykg/ont#> SELECT ?type (COUNT(*) AS ?n) "
         "WHERE { ?s a pk:Slogan ; a ?type } GROUP BY ?type")
    out = _run(capsys, "sparql", q, "--data", str(built_data))
    row = _line_with(out, "pk:Slogan")
    assert row.split()[1].isdigit() and "<" not in row
    iri = _run(capsys, "sparql", "SELECT ?d WHERE { ?d a <https://w3id.org/policykg/ont#PolicyDocument> } LIMIT 1",
               "--data", str(built_data))
    assert "<eli/cn/" in iri and "BASE <https://w3id.org/policykg/>" in iri
    assert json.loads(_run(capsys, "sparql", q, "--json", "--data", str(built_data))) == \
        json.loads(_run(capsys, "sparql", q, "--format", "json", "--data", str(built_data)))


def test_sparql_ask_and_construct(built_data, capsys, tmp_path):
    ask = "PREFIX pk: <https://w3id.org/policykg/ont#> ASK { ?s a pk:Slogan }"
    assert _run(capsys, "sparql", ask, "--data", str(built_data)).strip() == "true"
    assert _run(capsys, "sparql", ask.replace("pk:Slogan", "pk:NoSuchClass"), "--data",
                str(built_data)).strip() == "false"
    construct = tmp_path / "c.sparql"
    construct.write_text("PREFIX pk: <https://w3id.org/policykg/ont#> "
                         "CONSTRUCT { ?s a pk:Slogan } WHERE { ?s a pk:Slogan } LIMIT 3", "utf-8")
    out = _run(capsys, "sparql", str(construct), "--data", str(built_data))
    assert "@prefix pk: <https://w3id.org/policykg/ont#>" in out and " a pk:Slogan ." in out


def test_sparql_missing_query_file_fails(built_data, capsys, tmp_path):
    assert main(["sparql", str(tmp_path / "missing.rq"), "--data", str(built_data)]) == 1
    assert "no query file" in capsys.readouterr().err
