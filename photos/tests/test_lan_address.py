"""manage.py lan_address: this machine's IPv4 address on its network, which
`./dev serve --lan` binds and puts in SITE_URL."""

import ipaddress
from io import StringIO
from unittest import mock

from django.core.management import CommandError, call_command
from django.test import SimpleTestCase

from photos.management.commands import lan_address as command


def run():
    out = StringIO()
    call_command("lan_address", stdout=out)
    return out.getvalue().strip()


class LanAddressTests(SimpleTestCase):
    def test_the_source_address_of_the_default_route(self):
        with mock.patch.object(command, "routed_address", return_value="192.168.1.20"):
            self.assertEqual(run(), "192.168.1.20")

    def test_falls_back_to_hostname_i_without_a_route(self):
        for routed in (None, "127.0.1.1", "0.0.0.0", "169.254.3.4"):
            with (
                self.subTest(routed=routed),
                mock.patch.object(command, "routed_address", return_value=routed),
                mock.patch.object(
                    command,
                    "hostname_addresses",
                    return_value=["127.0.0.1", "fe80::1", "169.254.0.9", "10.0.0.7"],
                ),
            ):
                self.assertEqual(run(), "10.0.0.7")

    def test_no_network_is_an_error_with_a_reason(self):
        with (
            mock.patch.object(command, "routed_address", return_value=None),
            mock.patch.object(command, "hostname_addresses", return_value=[]),
            self.assertRaisesMessage(CommandError, "No LAN address found"),
        ):
            run()

    def test_on_this_machine_it_answers_an_address_of_its_own(self):
        """The real thing, no mocks: a usable IPv4 address, or the error."""
        address = command.lan_address()
        if address is None:
            self.skipTest("this machine is on no network")
        ip = ipaddress.IPv4Address(address)
        self.assertFalse(ip.is_loopback or ip.is_link_local)
        self.assertEqual(run(), address)

    def test_hostname_missing_is_no_address(self):
        with mock.patch.object(
            command.subprocess, "run", side_effect=FileNotFoundError
        ):
            self.assertEqual(command.hostname_addresses(), [])
