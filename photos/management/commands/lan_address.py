import ipaddress
import socket
import subprocess

from django.core.management.base import BaseCommand, CommandError

# Any public address will do: connecting a UDP socket sends nothing, it only
# asks the kernel which of this machine's addresses would reach it.
PUBLIC_ADDRESS = ("203.0.113.1", 9)  # TEST-NET-3: never a real host


def usable(address):
    """Whether another device on the network could reach this IPv4 address."""
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified)


def routed_address():
    """The source address of a UDP socket "connected" to a public address: the
    machine's address on the network its default route goes through."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(PUBLIC_ADDRESS)
            return sock.getsockname()[0]
    except OSError:  # no route: offline, or no default gateway
        return None


def hostname_addresses():
    """The addresses `hostname -I` lists (every interface's), in its order."""
    try:
        result = subprocess.run(
            ["hostname", "-I"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return result.stdout.split()


def lan_address():
    """This machine's IPv4 address on its local network, or None."""
    routed = routed_address()
    if routed and usable(routed):
        return routed
    return next((address for address in hostname_addresses() if usable(address)), None)


class Command(BaseCommand):
    help = (
        "Print this machine's IPv4 address on its local network (what a phone on "
        "the same Wi-Fi opens); `./dev serve --lan` serves on it."
    )

    def handle(self, **options):
        address = lan_address()
        if address is None:
            raise CommandError(
                "No LAN address found: this machine seems to be on no network."
            )
        self.stdout.write(address)
