"""The runner link's write side against a gateway that stops reading: writes wait once much is
unsent, go on when the gateway reads again, and fail clearly when the connection is gone."""
import asyncio
import unittest

from cpsl import link as link_mod
from cpsl.rpc import GatewayUnreachable, RpcClient


class StalledGateway:
    """Answers the upgrade, then reads nothing until told to."""

    def __init__(self):
        self.transport = None
        self.received = 0
        self.upgraded = asyncio.get_running_loop().create_future()

    def protocol(self):
        gw = self
        head = bytearray()

        class P(asyncio.Protocol):
            def connection_made(self, transport):
                gw.transport = transport

            def data_received(self, data):
                if gw.upgraded.done():
                    gw.received += len(data)
                    return
                head.extend(data)
                if b"\r\n\r\n" in head:
                    gw.transport.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: capsule-runner-link/1\r\n"
                                       b"Connection: Upgrade\r\n\r\n")
                    gw.transport.pause_reading()
                    gw.upgraded.set_result(None)

        return P()


class BackPressure(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.gw = StalledGateway()
        self.server = await asyncio.get_running_loop().create_server(self.gw.protocol, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        self.client = RpcClient(url=f"http://127.0.0.1:{port}", token="t")
        self.link = await link_mod.open_link(self.client, lambda message: None)
        await self.gw.upgraded

    async def asyncTearDown(self):
        self.link.close()
        self.server.close()
        await self.server.wait_closed()

    async def fill(self):
        """Casts until the link says it is backed up (the gateway reads nothing)."""
        body = {"text": "x" * 65536}
        for _ in range(2000):
            self.link.cast("SubmitResult", body)
            self.link.flush_if_on_loop()
            if self.link.backed_up():
                return
        self.fail("the link never backed up")

    async def test_writes_wait_while_the_gateway_does_not_read_and_go_on_after(self):
        await self.fill()
        waiting = asyncio.ensure_future(self.link.drain("SubmitResult"))
        await asyncio.sleep(0.2)
        self.assertFalse(waiting.done(), "drain returned while nothing was read")
        self.gw.transport.resume_reading()
        await asyncio.wait_for(waiting, 10)
        self.assertFalse(self.link.backed_up())

    async def test_a_connection_lost_while_waiting_fails_with_a_clear_error(self):
        await self.fill()
        waiting = asyncio.ensure_future(self.link.drain("SubmitResult"))
        await asyncio.sleep(0.1)
        self.gw.transport.abort()
        with self.assertRaises(GatewayUnreachable) as caught:
            await asyncio.wait_for(waiting, 10)
        self.assertIn("SubmitResult", str(caught.exception))
        self.assertIn("is not reachable", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
