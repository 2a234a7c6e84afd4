"""The package keeps its shape: imports follow the flow of data, documented commands and endpoints exist."""

import pathlib
import re
import subprocess
import sys

from search_service.api import create_app
from search_service.cli import main

PROJECT = pathlib.Path(__file__).resolve().parent.parent
README = (PROJECT / "README.md").read_text(encoding="utf-8")


def test_imports_follow_the_layers():
    result = subprocess.run(
        [str(pathlib.Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=PROJECT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_command_is_documented_in_the_readme():
    for name in main.commands:
        assert f"search-service {name}" in README, name


def test_the_readme_commands_are_the_ci_commands():
    assert "make run" in README.split("\n## ")[0] and "make test" in README.split("\n## ")[0]
    assert "make test" in (PROJECT / ".ci" / "run").read_text()


def test_every_documented_endpoint_is_served(tmp_path):
    app = create_app({"INDEX": str(tmp_path)})
    served = {re.sub(r"<[^>]+>", "<>", rule.rule) for rule in app.url_map.iter_rules()}
    api_section = README.split("### HTTP API")[1].split("\n## ")[0]
    documented = {re.sub(r"<[^>]+>", "<>", path) for path in re.findall(r"`(?:GET|POST) (/[^`?\s]*)", api_section)}
    assert documented and documented <= served, documented - served
