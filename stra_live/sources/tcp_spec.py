"""The ``tcp://HOST:PORT[,PORT]`` form of a DV network source, shared by the CLI and the window.

Free of dv-processing, so the window's Network dialog can check what was typed
before anything connects.
"""

from __future__ import annotations

FORM = "HOST:PORT or HOST:EVENTS_PORT,FRAMES_PORT"
"""What the user may type (with or without ``tcp://``)."""


def parse_tcp_spec(spec: str) -> tuple[str, list[int]]:
    """``tcp://HOST:PORT[,PORT]`` (HOST may be ``[ipv6]``) -> (host, ports).

    Raises:
        ValueError: naming the spec and what is wrong (form, or a port outside 1..65535).
    """
    text = spec.strip()
    if not text.startswith("tcp://"):
        raise ValueError(f"{spec!r}: expected tcp://{FORM}")
    host, sep, ports_text = text[len("tcp://"):].rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host:
        raise ValueError(f"{spec!r}: expected tcp://{FORM}")
    parts = ports_text.split(",")
    if not 1 <= len(parts) <= 2:
        raise ValueError(f"{spec!r}: expected tcp://{FORM} (one or two ports)")
    for part in parts:
        if not part.strip().isdigit() or not 0 < int(part) < 65536:
            raise ValueError(f"{spec!r}: port must be a number in 1..65535, got {part!r} "
                             f"(expected tcp://{FORM})")
    return host, [int(part) for part in parts]


def normalise_tcp_spec(text: str) -> str:
    """What a user typed (``HOST:PORT[,PORT]``, ``tcp://`` optional) -> the canonical spec.

    Raises:
        ValueError: as :func:`parse_tcp_spec`.
    """
    text = text.strip()
    spec = text if text.startswith("tcp://") else f"tcp://{text}"
    host, ports = parse_tcp_spec(spec)
    shown = f"[{host}]" if ":" in host else host
    return f"tcp://{shown}:{','.join(str(port) for port in ports)}"
