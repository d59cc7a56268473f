"""`python -m config.ports NAME=PORT ...`: stop `make run` early when a port is taken.

Two copies of the site on one machine each need their own site and sandbox ports; this
says which one is taken and which variable to change, instead of a traceback later.
"""

import socket
import sys


def taken(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def main(pairs: list[str]) -> int:
    busy = []
    for pair in pairs:
        name, _, port = pair.partition("=")
        if not port.isdigit():
            print(f"{name}={port!r} is not a port number", file=sys.stderr)
            return 2
        if taken(int(port)):
            busy.append((name, int(port)))
    for name, port in busy:
        print(
            f"Port {port} ({name}) is already in use, perhaps by another `make run`. "
            f"Start this copy on other ports, e.g. PORT=8100 make run "
            f"(its sandbox then takes 8190), or set {name}.",
            file=sys.stderr,
        )
    return 1 if busy else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
