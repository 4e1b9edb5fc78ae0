"""Publish deliveries with no message id, as clients other than aiormq can (Java, Go, CLI tools).

aiormq, under aio-pika and FastStream, stamps a random message id on every publish that has
none, so it cannot send what R8 must probe. This speaks just enough AMQP 0-9-1 (pamqp frames):
open, confirm.select, basic.publish to the default exchange, wait for every confirm, close.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from pamqp import commands, frame, header
from pamqp.body import ContentBody

CHANNEL = 1


@dataclass(frozen=True, slots=True)
class RawMessage:
    routing_key: str
    body: bytes
    content_type: str | None
    headers: dict[str, Any]


class _Wire:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.buffer = reader, writer, b""

    def send(self, value: Any, channel: int = 0) -> None:
        self.writer.write(frame.marshal(value, channel))

    async def receive(self) -> Any:
        while True:
            if self.buffer:
                try:
                    used, _, value = frame.unmarshal(self.buffer)
                except Exception:
                    used = 0
                if used:
                    self.buffer = self.buffer[used:]
                    return value
            chunk = await self.reader.read(65536)
            if not chunk:
                raise ConnectionError("broker closed the connection")
            self.buffer += chunk

    async def expect(self, kind: type) -> Any:
        value = await self.receive()
        if not isinstance(value, kind):
            raise AssertionError(f"expected {kind.__name__}, broker sent {value!r}")
        return value


async def publish_without_message_id(amqp_url: str, messages: list[RawMessage]) -> None:
    """Publish `messages` (persistent, mandatory, confirmed) with no message-id property."""
    url = urlsplit(amqp_url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port or 5672)
    wire = _Wire(reader, writer)
    try:
        wire.send(header.ProtocolHeader())
        await wire.expect(commands.Connection.Start)
        credentials = f"\0{unquote(url.username or 'guest')}\0{unquote(url.password or 'guest')}"
        wire.send(
            commands.Connection.StartOk(
                client_properties={"product": "chaos-raw"}, response=credentials
            )
        )
        tune = await wire.expect(commands.Connection.Tune)
        frame_max = tune.frame_max or 131072
        wire.send(commands.Connection.TuneOk(tune.channel_max, frame_max, 0))
        wire.send(commands.Connection.Open(virtual_host=unquote(url.path[1:]) or "/"))
        await wire.expect(commands.Connection.OpenOk)
        wire.send(commands.Channel.Open(), CHANNEL)
        await wire.expect(commands.Channel.OpenOk)
        wire.send(commands.Confirm.Select(), CHANNEL)
        await wire.expect(commands.Confirm.SelectOk)
        for message in messages:
            properties = commands.Basic.Properties(
                content_type=message.content_type, headers=message.headers, delivery_mode=2
            )
            wire.send(
                commands.Basic.Publish(routing_key=message.routing_key, mandatory=True), CHANNEL
            )
            wire.send(header.ContentHeader(0, len(message.body), properties), CHANNEL)
            step = frame_max - 8
            for start in range(0, len(message.body), step):
                wire.send(ContentBody(message.body[start : start + step]), CHANNEL)
        await writer.drain()
        confirmed: set[int] = set()
        while len(confirmed) < len(messages):
            value = await wire.receive()
            if isinstance(value, commands.Basic.Ack):
                tag = value.delivery_tag
                confirmed.update(range(1, tag + 1) if value.multiple else (tag,))
            elif isinstance(value, commands.Basic.Return | commands.Basic.Nack):
                raise AssertionError(f"broker refused a raw publish: {value!r}")
        wire.send(
            commands.Connection.Close(reply_code=200, reply_text="done", class_id=0, method_id=0), 0
        )
        await writer.drain()
        await wire.expect(commands.Connection.CloseOk)
    finally:
        writer.close()
