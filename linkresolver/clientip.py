"""The reader's address: the peer, or - only when the peer is a configured trusted proxy - the
nearest address in X-Forwarded-For that is not itself a trusted proxy (read right to left, since
everything left of the last proxy was written by the client and can be forged)."""
from __future__ import annotations

import ipaddress
from typing import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    nets = []
    for value in values:
        value = value.strip()
        if value:
            nets.append(ipaddress.ip_network(value, strict=False))
    return tuple(nets)


def _address(value: str):
    value = value.strip().strip('"')
    if value.startswith("[") and "]" in value:
        value = value[1:value.index("]")]  # "[2001:db8::1]:443"
    elif value.count(":") == 1 and "." in value:
        value = value.split(":")[0]  # "10.1.2.3:5050"
    try:
        addr = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _trusted(addr, proxies: tuple[Network, ...]) -> bool:
    return any(addr.version == net.version and addr in net for net in proxies)


def client_ip(peer: str | None, forwarded_for: str | None, proxies: tuple[Network, ...]) -> str | None:
    """The address to locate the reader by."""
    addr = _address(peer) if peer else None
    if addr is None:
        return None
    if not proxies or not forwarded_for or not _trusted(addr, proxies):
        return str(addr)
    for hop in reversed(forwarded_for.split(",")):
        hop_addr = _address(hop)
        if hop_addr is None:
            break  # garbage in the chain: stop at the last address we can vouch for
        if not _trusted(hop_addr, proxies):
            return str(hop_addr)
        addr = hop_addr
    return str(addr)
