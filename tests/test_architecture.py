"""Project-wide rules: dependency direction, light imports, documented settings."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import BotSettings
from ingest.settings import IngestSettings
from retrieval.settings import RetrievalSettings

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ["retrieval", "ingest"])
def test_core_packages_never_import_discord_or_bot(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    offenders = {str(f.relative_to(ROOT)): _imports(f) & {"discord", "bot"} for f in files}
    assert not {f: names for f, names in offenders.items() if names}


def test_retrieval_never_imports_ingest() -> None:
    offenders = [f for f in (ROOT / "retrieval").rglob("*.py") if "ingest" in _imports(f)]
    assert not offenders


def test_importing_the_cli_loads_nothing_heavy() -> None:
    code = (
        "import sys, bot.cli, ingest.sync, retrieval.runtime, retrieval.store;"
        "heavy = {'torch', 'chromadb', 'sentence_transformers', 'llama_cpp', 'discord',"
        " 'trafilatura', 'langchain_core'} & set(sys.modules);"
        "print(sorted(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout


def test_env_example_documents_every_setting() -> None:
    lines = (ROOT / ".env.example").read_text("utf-8").splitlines()
    documented = {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}
    fields = {f"READOUT_{name.upper()}" for name in RetrievalSettings.model_fields}
    fields |= {f"READOUT_{name.upper()}" for name in IngestSettings.model_fields}
    fields |= {f"READOUT_{name.upper()}" for name in BotSettings.model_fields}
    fields.add("READOUT_LOG_LEVEL")
    assert documented == fields
    # Each setting, or the small group it belongs to, has a comment right above it.
    for i, line in enumerate(lines):
        if line and not line.startswith("#"):
            j = i - 1
            while j >= 0 and lines[j] and not lines[j].startswith("#"):
                j -= 1
            assert j >= 0 and lines[j].startswith("#") and i - j <= 3, line
