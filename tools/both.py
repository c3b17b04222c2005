"""Run both twins side by side for `make run` and `make serve`, on macOS's bash 3.2 too.

    python -m tools.both NAME PORT COMMAND NAME PORT COMMAND [--ready LINE ...]

Each COMMAND runs in a shell of its own, its output prefixed with its NAME. The --ready LINEs are
printed once every PORT answers, below the servers' start-up logs (make run's credentials). A port
already in use is refused up front, in one line naming its variable. When one twin stops, on
Ctrl-C, on a TERM (to this process or its whole group) or when the terminal closes (HUP), both are
stopped, quietly, and nothing is left listening. Should this process be killed outright, each
twin's guard (twin_servers/guard.py) ends it.
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

from tools.ports import in_use, port_in_use
from twin_servers.server import guarded

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# How long the twins may take to answer before the --ready lines are given up on: a first
# runserver or flask run imports everything, and a slow laptop takes a while.
READY_TIMEOUT = 120


def relay(name, stream):
    """Print every line of a twin's output, prefixed with its name."""
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"{name:<6} | {line.decode(errors='replace')}")
        sys.stdout.flush()


def stop(process, port):
    """End a process's whole group: TERM, then KILL if it outlasts Gunicorn's graceful stop."""
    with contextlib.suppress(ProcessLookupError):  # a group that has ended already
        os.killpg(process.pid, signal.SIGTERM)
    # The shell heading the group may end before the server it started: watch the port too.
    deadline = time.monotonic() + 25
    while process.poll() is None or port_in_use(port):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    process.wait()


def announce(ports, lines):
    """Print lines once every port answers; nothing if they do not within READY_TIMEOUT."""
    deadline = time.monotonic() + READY_TIMEOUT
    while not all(port_in_use(port) for port in ports):
        if time.monotonic() > deadline:
            return
        time.sleep(0.2)
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    sys.stdout.flush()


def interrupted(_signum, _frame):
    """The first stop signal ends the wait; those that follow (a TERM to the whole group reaches
    make and its shell too, and a closing terminal sends more) must not break off the stopping."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(arguments):
    """Start both commands, relay their output, stop both when one ends or on Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m tools.both")
    parser.add_argument("--ready", nargs="+", default=[], metavar="LINE")
    parser.add_argument("twins", nargs="+", metavar="NAME PORT COMMAND")
    options = parser.parse_args(arguments)
    twins = [options.twins[index : index + 3] for index in range(0, len(options.twins), 3)]
    for name, port, _ in twins:
        if port_in_use(int(port)):
            sys.exit(in_use(name, int(port)))
    processes = []
    # Ctrl-C, a TERM or a HUP ends the wait below (even where a shell started this with SIGINT
    # ignored); the twins run in sessions of their own, so stop() ends each once, quietly.
    for signum in STOP_SIGNALS:
        signal.signal(signum, interrupted)
    try:
        for name, _, command in twins:
            process = guarded(
                ["/bin/sh", "-c", command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            processes.append(process)
            threading.Thread(target=relay, args=(name, process.stdout), daemon=True).start()
        if options.ready:
            ports = [int(port) for _, port, _ in twins]
            threading.Thread(target=announce, args=(ports, options.ready), daemon=True).start()
        while all(process.poll() is None for process in processes):
            time.sleep(0.2)
        return next(process.returncode for process in processes if process.poll() is not None)
    except KeyboardInterrupt:
        return 0
    finally:
        for process, (_, port, _) in zip(processes, twins, strict=False):  # those started
            stop(process, int(port))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
