"""The Dockerfile: checked as text, then its build and run steps replayed here, without Docker.

The replay runs the Dockerfile's own ``search-service`` RUN steps, CMD and HEALTHCHECK with its
ENV, in a temporary directory standing in for the image's file system (``/app``, ``/data``).
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from conftest import PROJECT, SEEDS, free_port, wait_until_responds

DOCKERFILE = PROJECT / "Dockerfile"
DOCKERIGNORE = PROJECT / ".dockerignore"
PORT = "8000"


def instructions():
    """The Dockerfile as (INSTRUCTION, arguments) pairs: comments dropped, continuations joined."""
    result, current = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        keyword, _, arguments = (current + stripped).partition(" ")
        result.append((keyword.upper(), arguments.strip()))
        current = ""
    return result


def arguments(keyword):
    return [args for kw, args in instructions() if kw == keyword]


def env():
    """The ENV of the image, as a dict."""
    return dict(pair.split("=", 1) for args in arguments("ENV") for pair in shlex.split(args))


def healthcheck_command():
    options, _, command = arguments("HEALTHCHECK")[0].partition("CMD ")
    return json.loads(command)


def build_steps():
    """The RUN steps that run search-service, in order, and the USER each runs as."""
    steps, user = [], "root"
    for keyword, args in instructions():
        if keyword == "USER":
            user = args
        elif keyword == "RUN" and args.startswith("search-service "):
            steps.append((shlex.split(args), user))
    return steps


# -- the Dockerfile as text --------------------------------------------------------------------


def test_image_is_built_on_python_slim():
    assert arguments("FROM") == ["python:3.11-slim"]


def test_service_runs_as_a_non_root_user_created_with_that_id():
    user = arguments("USER")[-1]
    uid = user.split(":")[0]
    assert uid not in ("root", "0")
    assert any(f"--uid {uid}" in run for run in arguments("RUN"))
    keywords = [kw for kw, _ in instructions()]
    assert keywords.index("USER") < keywords.index("CMD")


def test_package_is_installed_with_pip_without_a_cache():
    assert any("pip install --no-cache-dir ." in run for run in arguments("RUN"))


def test_seeds_are_indexed_at_build_time_as_the_service_user_into_the_configured_index():
    steps = build_steps()
    assert [command[:2] for command, _ in steps] == [["search-service", "reindex"]]
    command, user = steps[0]
    assert user == arguments("USER")[-1]
    assert command[command.index("--index") + 1] == env()["SEARCH_SERVICE_INDEX"]
    assert command[command.index("--source") + 1] == env()["SEARCH_SERVICE_SOURCES"]


def test_service_listens_on_port_8000_on_all_interfaces():
    assert arguments("EXPOSE") == [PORT]
    assert json.loads(arguments("CMD")[0]) == ["search-service", "serve", "--host", "0.0.0.0", "--port", PORT]


def test_healthcheck_fetches_api_health_with_python_urllib():
    command = healthcheck_command()
    assert command[:2] == ["python", "-c"]
    assert "urllib.request.urlopen" in command[2]
    assert f"http://127.0.0.1:{PORT}/api/health" in command[2]
    assert "--timeout" in arguments("HEALTHCHECK")[0]


def test_copied_files_exist_and_the_context_leaves_out_local_state():
    for args in arguments("COPY"):
        for source in shlex.split(args)[:-1]:
            assert (PROJECT / source).exists(), source
    ignored = DOCKERIGNORE.read_text(encoding="utf-8").split()
    for entry in (".git", ".venv", "index/*", "tests/artifacts", "**/__pycache__"):
        assert entry in ignored


# -- the Dockerfile's steps replayed -----------------------------------------------------------


@pytest.fixture
def image_root(tmp_path):
    """A directory standing in for the image's file system: /app/seeds copied, /data/index empty."""
    shutil.copytree(SEEDS, tmp_path / "app" / "seeds")
    (tmp_path / "data" / "index").mkdir(parents=True)
    return tmp_path


def _in_root(text, root):
    return re.sub(r"(?<![\w:/.])/(app|data)(?=/|$)", lambda m: f"{root}/{m.group(1)}", text)


def _command(args, root, port):
    """A Dockerfile command for this machine: paths under the root, this Python, a free port."""
    args = [_in_root(a, root).replace(f"127.0.0.1:{PORT}", f"127.0.0.1:{port}") for a in args]
    if args[0] == "search-service":
        args = [sys.executable, "-m", "search_service", *args[1:]]
    elif args[0] == "python":
        args = [sys.executable, *args[1:]]
    if "--port" in args:
        args[args.index("--port") + 1] = str(port)
    return args


def _image_env(root):
    return {**os.environ, **{key: _in_root(value, root) for key, value in env().items()}}


def _serve(root, port, log):
    command = _command(json.loads(arguments("CMD")[0]), root, port)
    return subprocess.Popen(command, env=_image_env(root), stdout=subprocess.DEVNULL, stderr=log)


def _healthcheck(root, port):
    return subprocess.run(_command(healthcheck_command(), root, port), env=_image_env(root), capture_output=True, timeout=30)


def _wait_for_any_answer(url, process, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "server exited"
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return 200
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer in {timeout} s")


def test_built_image_serves_the_seeds_and_passes_its_healthcheck(image_root):
    port = free_port()
    for command, _ in build_steps():
        subprocess.run(_command(command, image_root, port), env=_image_env(image_root), check=True, capture_output=True)
    with open(image_root / "serve.log", "w") as log:
        server = _serve(image_root, port, log)
        try:
            wait_until_responds(f"http://127.0.0.1:{port}/api/health", server, log=log)
            assert _healthcheck(image_root, port).returncode == 0
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health") as response:
                assert json.load(response)["documents"] == len(list(SEEDS.glob("*.txt")))
        finally:
            server.terminate()
            server.wait(timeout=10)
    assert server.returncode == 0  # SIGTERM (docker stop) is a clean shutdown


def test_empty_index_volume_is_reported_and_fails_the_healthcheck(image_root):
    port = free_port()
    with open(image_root / "serve.log", "w") as log:
        server = _serve(image_root, port, log)
        try:
            assert _wait_for_any_answer(f"http://127.0.0.1:{port}/api/health", server) == 503
            assert _healthcheck(image_root, port).returncode != 0
        finally:
            server.terminate()
            server.wait(timeout=10)
    message = (image_root / "serve.log").read_text(encoding="utf-8")
    assert f"no index in {image_root}/data/index" in message
    assert "search-service reindex" in message
