"""The servers a test run needs, started early and awaited only when a test first asks."""

from __future__ import annotations

import psycopg

from twin_servers.server import MAIN, Flavour, Server, ServerError, install_safety_net, stop_all


class ServerPool:
    """Servers by (twin, flavour): each launched when wanted, awaited when first asked for.

    A twin's main server starts at once; its extra servers start once the main one answers, so
    they boot while it is being tested instead of slowing its start. A server of a twin in
    `admins` gets its admin user, by the twin's own command, as soon as it answers; the command
    runs while the tests go on, and only the tests that log in wait for it.
    """

    def __init__(self, wanted=(), admins=(), postgres_url: str | None = None) -> None:
        self.postgres_url = postgres_url
        self.servers: dict[tuple[str, Flavour], Server] = {}
        self.admins: set[str] = set()
        self.launched: set[tuple[str, Flavour]] = set()
        self.ready: set[tuple[str, Flavour]] = set()
        # Why a server did not start. Each test that asks for it gets a new ServerError: raising
        # one exception object again and again would pile every test's frames on its traceback.
        self.failures: dict[tuple[str, Flavour], str] = {}
        self.want(wanted, admins)

    def want(self, wanted, admins=()) -> None:
        """Add servers, and twins whose admin user to create; launch what can start now."""
        for key in wanted:
            if key not in self.servers:
                self.servers[key] = Server(*key, self.postgres_url)
        self.admins.update(admins)
        self.start_what_can_start()

    def get(self, twin: str, flavour: Flavour = MAIN) -> Server:
        """The running server of this twin and flavour; raises its start-up failure, if any."""
        key = (twin, flavour)
        self.want([key])
        self.launch(key)
        if key in self.failures:
            raise ServerError(self.failures[key])
        if key not in self.ready:
            try:
                self.servers[key].wait_until_ready()
            except ServerError as error:
                self.failures[key] = str(error)
                raise
            self.ready.add(key)
            self.start_what_can_start()
        return self.servers[key]

    def admin(self, twin: str, flavour: Flavour = MAIN) -> tuple[str, str]:
        """The (username, password) of the admin user of this twin's server."""
        server = self.get(twin, flavour)
        if server.admin is None:  # not asked for in advance
            server.create_admin()
        return server.admin_credentials()

    def start_what_can_start(self) -> None:
        """Launch main servers, the extra servers of twins whose main server answers, and the
        admin users of servers that answer."""
        for (twin, flavour), server in self.servers.items():
            if flavour is MAIN or (twin, MAIN) in self.ready:
                self.launch((twin, flavour))
            wants_admin = twin in self.admins and flavour.reachable_database
            if wants_admin and (twin, flavour) in self.ready and server.admin is None:
                server.create_admin()

    def launch(self, key: tuple[str, Flavour]) -> None:
        """Start this server if it is not started yet, without waiting for it."""
        if key in self.launched:
            return
        install_safety_net()
        self.launched.add(key)
        try:
            self.servers[key].start()
        except ServerError as error:
            self.failures[key] = str(error)
        except OSError as error:
            self.failures[key] = f"{key[0]} twin: cannot run serve.sh: {error}"
        except psycopg.Error as error:
            self.failures[key] = f"{key[0]} twin: no database: {error}"

    def stop(self) -> None:
        """Stop every server of the pool."""
        stop_all(self.servers.values())
