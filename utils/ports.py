"""Loopback ports: whether one is free, and a free one (the Visdom server, notebook 09's launcher, the classroom hub and
the tests use them)."""

import socket


def port_is_free(port):
    """Returns True when nothing listens on 127.0.0.1:port."""
    with socket.socket() as s:
        # As servers do (tornado, node): connections of a server that just stopped (TIME_WAIT) do not count.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port():
    """Returns a port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
