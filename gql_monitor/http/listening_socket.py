"""The socket a server listens on, bound before the server starts: a taken port fails at once, in one line, and port
0 tells its real port before anything is served. Used by `serve`, `demo` and the stand-in."""

from __future__ import annotations

import socket


class PortInUseError(Exception):
    pass


def listening_socket(host: str, port: int) -> socket.socket:
    # asyncio sets TCP_NODELAY only on IPPROTO_TCP sockets; without it every response stalls ~40 ms (delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortInUseError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock
