"""Run a command, and end it when the process that started it is gone, on any OS.

    python -m twin_servers.guard COMMAND [ARG ...]   (its standard input a pipe from the parent)

The parent holds the write end of the pipe and never writes to it. When the parent dies, however
it dies (SIGKILL too), the OS closes that end: the guard reads end-of-file and kills its process
group, the command's with it. Linux could ask the kernel for this (PR_SET_PDEATHSIG);
macOS has no such call, and a pipe behaves alike on both.

The guard passes the signals that stop a program on to the command (SIGTERM starts Gunicorn's
graceful stop, as without a guard), and exits as the command exits, with its status.
"""

import os
import signal
import subprocess
import sys
import threading


def kill_group_at_end_of_file() -> None:
    """Wait for end-of-file on standard input (the parent let go, or died); kill the group."""
    sys.stdin.buffer.read()
    os.killpg(0, signal.SIGKILL)


def main() -> None:
    if os.getpgrp() != os.getpid():
        os.setsid()  # the caller did not start a session of its own: the guard makes one
    command = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, lambda signum, _frame: command.send_signal(signum))
    threading.Thread(target=kill_group_at_end_of_file, daemon=True).start()
    returncode = command.wait()
    if returncode < 0:  # killed by a signal: the guard ends the same way
        signal.signal(-returncode, signal.SIG_DFL)
        os.kill(os.getpid(), -returncode)
    os._exit(returncode)  # at once: the reading thread holds standard input


if __name__ == "__main__":
    main()
