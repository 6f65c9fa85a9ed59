"""Who is asking: the client's address, also behind a reverse proxy.

Behind nginx every request comes from 127.0.0.1; nginx names the client in
`X-Forwarded-For`. That header is believed only when the peer (REMOTE_ADDR) is one of
`settings.TRUSTED_PROXIES`; the client is then the right-most address in it that is not
itself a trusted proxy (what a client writes to the left of it is never believed).
The login lockout, the residents' vote and rating limits and every access and export
record ask this one function.
"""

import functools
import ipaddress

from django.conf import settings
from django.core import checks
from django.http import HttpRequest

type Network = ipaddress.IPv4Network | ipaddress.IPv6Network
type Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@functools.cache
def trusted_networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    """The networks of TRUSTED_PROXIES ("127.0.0.1", "10.0.0.0/8", "::1"), parsed once."""
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies)


def _parse(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket is the same client.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, or None when the request has no usable peer address."""
    peer = _parse(request.META.get("REMOTE_ADDR") or "")
    if peer is None:
        return None
    networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not _is_trusted(peer, networks):
        return str(peer)
    client = peer
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # not an address: nothing to its left can be believed either
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)


def check_proxy_settings(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: behind a proxy (BEHIND_PROXY) without TRUSTED_PROXIES, every
    client has the proxy's address: one client's wrong passwords lock everyone out."""
    if settings.SECURE_PROXY_SSL_HEADER and not settings.TRUSTED_PROXIES:
        return [
            checks.Warning(
                "BEHIND_PROXY is on but TRUSTED_PROXIES is empty: every client has the "
                "proxy's address, for the login lockout, the limits and the records.",
                hint="Set TRUSTED_PROXIES to the proxy's address, e.g. 127.0.0.1 for the "
                "nginx of docs/deploy.md.",
                id="desks.W001",
            )
        ]
    return []
