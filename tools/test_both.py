"""tools/both.py, which `make run` and `make serve` start both twins with: stop, refuse, relay."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tools.ports import port_in_use
from twin_servers.server import free_port

ROOT = Path(__file__).resolve().parents[1]


def server(port):
    """A shell command that serves HTTP on the port, as a twin's development server would."""
    return f"{sys.executable} -u -m http.server --bind 127.0.0.1 {port}"


def start(*twins, ready=()):
    """tools.both with (name, port, command) triples and --ready lines, its output captured."""
    arguments = [str(part) for twin in twins for part in twin]
    if ready:
        arguments += ["--ready", *ready]
    return subprocess.Popen(  # noqa: S603 - this repository's tool
        [sys.executable, "-m", "tools.both", *arguments],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a group of its own, as make's in a terminal
    )


def wait_for(condition, seconds=15):
    """Wait until condition() is true; fail with its name if it never is."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {condition.__name__}"
        time.sleep(0.1)


@pytest.fixture
def ports():
    """Two free ports, for the two twins."""
    return free_port(), free_port()


# Ctrl-C and a closing terminal signal the whole foreground group; `kill -TERM -PGID` does too;
# twice, as when make passes a signal on to the group it is in.
STOPS = [
    pytest.param(signal.SIGINT, 1, id="Ctrl-C"),
    pytest.param(signal.SIGTERM, 1, id="TERM to the group"),
    pytest.param(signal.SIGTERM, 2, id="TERM to the group twice"),
    pytest.param(signal.SIGHUP, 1, id="the terminal closing (HUP)"),
]


@pytest.mark.parametrize(("signum", "times"), STOPS)
def test_a_stop_signal_stops_both_quietly_and_nothing_is_left_listening(ports, signum, times):
    flask_port, django_port = ports
    runner = start(
        ("flask", flask_port, server(flask_port)), ("django", django_port, server(django_port))
    )

    def both_listen():
        return all(port_in_use(port) for port in ports)

    wait_for(both_listen)
    for _ in range(times):
        os.killpg(runner.pid, signum)
    output, errors = runner.communicate(timeout=30)
    assert runner.returncode == 0, errors
    assert "Traceback" not in errors, errors
    listening = [port for port in ports if port_in_use(port)]
    assert listening == [], f"still listening: {listening}"
    assert {line.split("|")[0].strip() for line in output.splitlines()} <= {"flask", "django"}


def test_both_twins_end_when_the_runner_is_killed_outright(ports):
    flask_port, django_port = ports
    runner = start(
        ("flask", flask_port, server(flask_port)), ("django", django_port, server(django_port))
    )

    def both_listen():
        return all(port_in_use(port) for port in ports)

    def none_listens():
        return not any(port_in_use(port) for port in ports)

    wait_for(both_listen)
    runner.kill()
    runner.communicate(timeout=20)
    wait_for(none_listens)


def test_when_one_twin_stops_the_other_is_stopped_with_its_status(ports):
    flask_port, django_port = ports
    runner = start(("flask", flask_port, "exit 3"), ("django", django_port, server(django_port)))
    runner.communicate(timeout=20)
    assert runner.returncode == 3
    assert not port_in_use(django_port)


def test_a_port_in_use_is_one_line_naming_its_variable(ports):
    flask_port, django_port = ports
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", flask_port))
        taken.listen()
        runner = start(("flask", flask_port, "true"), ("django", django_port, "true"))
        _, errors = runner.communicate(timeout=20)
    assert runner.returncode == 1
    assert errors.strip() == (
        f"port {flask_port} is in use: free it, or choose another, e.g. FLASK_PORT={flask_port + 1}"
    )


READY = ["Admin login: admin / dev-admin-password", "API token for writes: dev-api-token"]


def test_the_ready_lines_come_once_both_twins_answer(ports):
    flask_port, django_port = ports
    runner = start(
        ("flask", flask_port, server(flask_port)),
        ("django", django_port, server(django_port)),
        ready=READY,
    )
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(runner.stdout), daemon=True)
    reader.start()

    def the_ready_lines_are_printed():
        return READY[-1] + "\n" in lines

    wait_for(the_ready_lines_are_printed)
    assert all(port_in_use(port) for port in ports)
    os.killpg(runner.pid, signal.SIGINT)
    runner.wait(timeout=30)
    reader.join(timeout=5)
    assert [line.rstrip("\n") for line in lines if "|" not in line] == READY


def test_no_ready_lines_when_a_twin_never_answers(ports):
    flask_port, django_port = ports
    runner = start(
        ("flask", flask_port, "exit 3"), ("django", django_port, server(django_port)), ready=READY
    )
    output, _ = runner.communicate(timeout=20)
    assert runner.returncode == 3
    assert READY[0] not in output
