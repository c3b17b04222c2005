"""Whether a twin's port is free, in the words make run and make doctor share.

The standard library only: make doctor imports it before any venv exists.
"""

import socket

PORT_IN_USE = "port {port} is in use{why}: free it, or choose another, e.g. {name}_PORT={other}"
# macOS's AirPlay receiver listens on 5000 unless it is switched off in the system settings.
AIRPLAY = " (on macOS, by the AirPlay receiver?)"


def port_in_use(port):
    """Whether something on this machine already listens on the port."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def in_use(name, port):
    """The one line that says a twin's port is taken and which variable moves it."""
    why = AIRPLAY if port == 5000 else ""
    return PORT_IN_USE.format(port=port, why=why, name=name.upper(), other=port + 1)
