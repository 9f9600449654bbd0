"""The fake gateway: HELLO, IDENTIFY/READY, heartbeats, RESUME with replay, compression."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from .models import World

log = logging.getLogger(__name__)

OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_PRESENCE, OP_VOICE, OP_RESUME = 0, 1, 2, 3, 4, 6
OP_RECONNECT, OP_REQUEST_MEMBERS, OP_INVALID_SESSION, OP_HELLO, OP_HEARTBEAT_ACK = 7, 8, 9, 10, 11

INTENT_GUILDS = 1 << 0
INTENT_MEMBERS = 1 << 1
INTENT_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_REACTIONS = 1 << 10
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_MEMBERS | INTENT_PRESENCES | INTENT_MESSAGE_CONTENT

# Which intent a guild event needs; events not listed (READY, INTERACTION_CREATE...) always go out.
EVENT_INTENTS = {
    "GUILD_CREATE": INTENT_GUILDS,
    "GUILD_UPDATE": INTENT_GUILDS,
    "GUILD_DELETE": INTENT_GUILDS,
    "CHANNEL_CREATE": INTENT_GUILDS,
    "CHANNEL_UPDATE": INTENT_GUILDS,
    "CHANNEL_DELETE": INTENT_GUILDS,
    "THREAD_CREATE": INTENT_GUILDS,
    "THREAD_UPDATE": INTENT_GUILDS,
    "THREAD_DELETE": INTENT_GUILDS,
    "GUILD_MEMBER_ADD": INTENT_MEMBERS,
    "GUILD_MEMBER_UPDATE": INTENT_MEMBERS,
    "MESSAGE_CREATE": INTENT_GUILD_MESSAGES,
    "MESSAGE_UPDATE": INTENT_GUILD_MESSAGES,
    "MESSAGE_DELETE": INTENT_GUILD_MESSAGES,
    "MESSAGE_REACTION_ADD": INTENT_GUILD_REACTIONS,
    "MESSAGE_REACTION_REMOVE": INTENT_GUILD_REACTIONS,
}
# Fields Discord blanks in messages when the app lacks the message-content intent.
CONTENT_FIELDS = {"content": "", "embeds": [], "attachments": [], "components": []}
REPLAY_BUFFER = 1000


class _Compressor(Protocol):
    """Stateful transport compression for one connection."""

    def compress(self, data: bytes) -> bytes:
        """Return `data` compressed and flushed up to a message boundary."""
        ...


class _ZlibStream:
    """One zlib stream for the whole connection, flushed with Z_SYNC_FLUSH after every message."""

    def __init__(self) -> None:
        self._stream = zlib.compressobj()

    def compress(self, data: bytes) -> bytes:
        """Return `data` compressed and flushed up to a message boundary."""
        return self._stream.compress(data) + self._stream.flush(zlib.Z_SYNC_FLUSH)


class _ZstdStream:
    """One zstd frame for the whole connection, with a block flush after every message."""

    def __init__(self) -> None:
        import zstandard  # Only needed when the client asks for zstd-stream, i.e. has it installed.

        self._flush = zstandard.COMPRESSOBJ_FLUSH_BLOCK
        self._stream = zstandard.ZstdCompressor().compressobj()

    def compress(self, data: bytes) -> bytes:
        """Return `data` compressed and flushed up to a message boundary."""
        return self._stream.compress(data) + self._stream.flush(self._flush)


COMPRESSORS: dict[str, Callable[[], _Compressor]] = {
    "zlib-stream": _ZlibStream,
    "zstd-stream": _ZstdStream,
}


@dataclass
class Connection:
    """One websocket connection from the client, and what happened on it."""

    path: str
    query: dict[str, str]
    ws: web.WebSocketResponse = field(repr=False)
    transport: asyncio.Transport | None = field(repr=False)
    compressor: _Compressor | None = field(repr=False)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    kind: str = "pending"  # "identify" or "resume" once the client has said which
    close_code: int | None = None
    error: str | None = None  # why the fake closed it, when the client did something wrong
    binary_frames: int = 0
    received: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def compress(self) -> str | None:
        """Return the transport compression the client asked for."""
        return self.query.get("compress")

    async def send(self, payload: dict[str, Any]) -> None:
        """Send one gateway payload, compressed the way the client asked."""
        data = json.dumps(payload, separators=(",", ":")).encode()
        async with self.lock:
            if self.ws.closed:
                return
            if self.compressor is None:
                await self.ws.send_str(data.decode())
            else:
                await self.ws.send_bytes(self.compressor.compress(data))
                self.binary_frames += 1


class Gateway:
    """The gateway side of the fake: one resumable session, sequence numbers and a replay buffer."""

    def __init__(
        self,
        world: World,
        *,
        token: str,
        heartbeat_interval: int,
        allowed_intents: int,
        notify: Callable[[], None],
    ) -> None:
        self.world = world
        self.token = token
        self.heartbeat_interval = heartbeat_interval
        self.allowed_intents = allowed_intents
        self._notify = notify
        self.resume_url = ""
        self.session_id: str | None = None
        self.intents = 0
        self.seq = 0
        self.buffer: list[dict[str, Any]] = []
        self.live: Connection | None = None
        self.connections: list[Connection] = []
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.presence_updates: list[dict[str, Any]] = []
        self.heartbeats = 0
        self.replayed = 0
        self._lock = asyncio.Lock()
        self._open = asyncio.Event()
        self._open.set()
        self._handlers: set[asyncio.Task[Any]] = set()

    @property
    def connected(self) -> bool:
        """Return whether a client is identified or resumed on a live connection."""
        return self.live is not None and not self.live.ws.closed

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve one websocket connection (the aiohttp handler)."""
        query = dict(request.query)
        compress = query.get("compress")
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        factory = COMPRESSORS.get(compress) if compress else None
        conn = Connection(
            request.path, query, ws, request.transport, factory() if factory is not None else None
        )
        self.connections.append(conn)
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            if compress and factory is None:
                await self._close(conn, 4000, "Unknown compression")
                return ws
            if query.get("v") != "10":
                await self._close(conn, 4012, "Invalid API version")
                return ws
            if query.get("encoding", "json") != "json":
                await self._close(conn, 4002, "Decode error: only json is supported by the fake")
                return ws
            # drop_gateway(hold=True) keeps the reconnection waiting here, before HELLO.
            await self._open.wait()
            await conn.send(
                {
                    "op": OP_HELLO,
                    "d": {"heartbeat_interval": self.heartbeat_interval},
                    "s": None,
                    "t": None,
                }
            )
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    payload = json.loads(msg.data)
                    conn.received.append(payload)
                    await self._on_payload(conn, payload)
                elif msg.type is WSMsgType.BINARY:
                    await self._close(conn, 4002, "Decode error")
        finally:
            conn.close_code = conn.close_code or ws.close_code
            if self.live is conn:
                self.live = None
            if task is not None:
                self._handlers.discard(task)
            self._notify()
        return ws

    async def _close(self, conn: Connection, code: int, reason: str) -> None:
        conn.close_code = code
        conn.error = f"{code} {reason}"
        if self.live is conn:
            self.live = None
        await conn.ws.close(code=code, message=reason.encode())

    async def _on_payload(self, conn: Connection, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == OP_HEARTBEAT:
            self.heartbeats += 1
            await conn.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            await self._identify(conn, data or {})
        elif op == OP_RESUME:
            await self._resume(conn, data or {})
        elif op == OP_PRESENCE:
            self.presence_updates.append(data or {})
        elif op == OP_REQUEST_MEMBERS:
            await self._send_members(data or {})
        elif op == OP_VOICE:
            pass
        else:
            await self._close(conn, 4001, "Unknown opcode")
        self._notify()

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        if conn.kind != "pending":
            await self._close(conn, 4005, "Already authenticated")
            return
        self.identifies.append(data)
        if data.get("token") != self.token:
            await self._close(conn, 4004, "Authentication failed")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await self._close(conn, 4013, "Invalid intent(s)")
            return
        if intents & PRIVILEGED_INTENTS & ~self.allowed_intents:
            await self._close(conn, 4014, "Disallowed intent(s)")
            return
        async with self._lock:
            conn.kind = "identify"
            self.session_id = secrets.token_hex(16)
            self.intents = intents
            self.seq = 0
            self.buffer = []
            self.live = conn
            app = {"id": str(self.world.application_id), "flags": 1 << 19}
            ready = {
                "v": 10,
                "user": self.world.bot.payload(),
                "session_type": "normal",
                "guilds": [{"id": str(self.world.guild_id), "unavailable": True}],
                "session_id": self.session_id,
                "resume_gateway_url": self.resume_url,
                "application": app,
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "auth": {},
                "user_settings": {},
                "_trace": ["fake-discord"],
            }
            if "shard" in data:
                ready["shard"] = data["shard"]
            await self._send_dispatch("READY", ready)
            # Discord sends the initial GUILD_CREATE whatever the intents; later ones need GUILDS.
            await self._send_dispatch("GUILD_CREATE", self.world.guild_payload())

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        if conn.kind != "pending":
            await self._close(conn, 4005, "Already authenticated")
            return
        self.resumes.append(data)
        if data.get("token") != self.token:
            await self._close(conn, 4004, "Authentication failed")
            return
        seq = data.get("seq")
        oldest = self.buffer[0]["s"] if self.buffer else self.seq + 1
        # Resumable only if the session is known and every event after `seq` is still buffered.
        if (
            data.get("session_id") != self.session_id
            or not isinstance(seq, int)
            or seq > self.seq
            or seq < oldest - 1
        ):
            # Not resumable: the client must identify again (d=false).
            await conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        async with self._lock:
            conn.kind = "resume"
            self.live = conn
            missed = [event for event in self.buffer if event["s"] > seq]
            for event in missed:
                await conn.send(event)
            self.replayed += len(missed)
            await self._send_dispatch("RESUMED", {"_trace": ["fake-discord"]})

    async def _send_members(self, data: dict[str, Any]) -> None:
        members = [self.world.member_payload(u) for u in self.world.users.values()]
        chunk = {
            "guild_id": str(self.world.guild_id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    def _wants(self, event: str) -> bool:
        needed = EVENT_INTENTS.get(event)
        return needed is None or bool(self.intents & needed)

    def _redact(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        if (
            event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE")
            or self.intents & INTENT_MESSAGE_CONTENT
        ):
            return data
        bot_id = str(self.world.bot.id)
        if data.get("author", {}).get("id") == bot_id or any(
            m["id"] == bot_id for m in data.get("mentions", [])
        ):
            return data
        redacted = copy.deepcopy(data)
        for key, empty in CONTENT_FIELDS.items():
            redacted[key] = copy.deepcopy(empty)
        redacted.pop("poll", None)
        return redacted

    async def dispatch(self, event: str, data: dict[str, Any]) -> bool:
        """Send a dispatch event now or buffer it for RESUME; return False without a session."""
        if self.session_id is None:
            return False
        async with self._lock:
            if self._wants(event):
                await self._send_dispatch(event, self._redact(event, copy.deepcopy(data)))
        return True

    async def _send_dispatch(self, event: str, data: dict[str, Any]) -> None:
        # Callers hold self._lock, so sequence order is send order, replay included.
        self.seq += 1
        payload = {"op": OP_DISPATCH, "t": event, "s": self.seq, "d": data}
        self.buffer.append(payload)
        del self.buffer[:-REPLAY_BUFFER]
        if self.connected and self.live is not None:
            try:
                await self.live.send(payload)
            except (ConnectionError, RuntimeError):
                log.debug("fake gateway: send of %s failed; it stays buffered for RESUME", event)

    async def send_op(self, op: int, data: Any) -> None:
        """Send a non-dispatch opcode (RECONNECT, INVALID_SESSION...) on the live connection."""
        if self.live is not None:
            await self.live.send({"op": op, "d": data, "s": None, "t": None})

    async def drop(self, *, code: int = 4000, abrupt: bool = False, hold: bool = False) -> None:
        """Close the live connection with a close code, or cut the TCP connection."""
        if hold:
            self._open.clear()
        conn = self.live
        if conn is None:
            raise RuntimeError("no live gateway connection to drop")
        self.live = None
        conn.close_code = code if not abrupt else 1006
        if abrupt and conn.transport is not None:
            conn.transport.abort()
        else:
            # Closing from here while the handler reads is fine: aiohttp hands the close over to it.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(conn.ws.close(code=code, message=b"fake drop"), timeout=5)

    def release(self) -> None:
        """Let held reconnections proceed to HELLO."""
        self._open.set()

    async def close(self) -> None:
        """Close every connection (going away) and wait for their handlers."""
        self._open.set()
        for conn in self.connections:
            if not conn.ws.closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(
                        conn.ws.close(code=1001, message=b"fake shutdown"), timeout=2
                    )
        if self._handlers:
            await asyncio.wait(set(self._handlers), timeout=5)
