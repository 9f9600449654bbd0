"""A fake Discord (REST API v10 + gateway) on 127.0.0.1 that real discord.py clients log in to."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import fnmatch
import hashlib
import json
import logging
import math
import re
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar, cast

from aiohttp import BodyPartReader, web

from .gateway import OP_INVALID_SESSION, OP_RECONNECT, PRIVILEGED_INTENTS, Connection, Gateway
from .models import (
    CLIENT_MESSAGE_FLAGS,
    EPHEMERAL,
    HAS_THREAD,
    LOADING,
    SUPPRESS_EMBEDS,
    FakeUser,
    Perm,
    World,
    now_iso,
)
from .validation import (
    DiscordError,
    check_choices,
    check_commands,
    check_message,
    check_modal,
    check_thread_name,
    walk_components,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
API_PREFIX = "/api/v10"
# Interaction types (Discord's numbering).
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
# Which callback types Discord accepts for each interaction type.
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {4, 5, 9},
    MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}
SELECT_TYPES = (3, 5, 6, 7, 8)
LINK = re.compile(r"(?<![<(])https?://[^\s<>()]+|\]\((https?://[^\s)]+)\)")


@dataclass(frozen=True)
class RecordedFile:
    """A file uploaded in a multipart request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


class Payload(dict[str, Any]):
    """A recorded request: the dict is its JSON body; attributes tell where it went, the answer."""

    def __init__(
        self,
        body: Any,
        *,
        method: str,
        path: str,
        query: Mapping[str, str],
        files: Sequence[RecordedFile],
        headers: Mapping[str, str],
    ) -> None:
        super().__init__(body if isinstance(body, dict) else {})
        self.body: Any = body
        self.method = method
        self.path = path
        self.query = dict(query)
        self.files = list(files)
        self.headers = dict(headers)
        self.route: str | None = None
        self.params: dict[str, str] = {}
        self.status = 0
        self.response: Any = None
        self.message_id: int | None = None
        self.at = time.monotonic()

    def __repr__(self) -> str:
        return f"<Payload {self.method} {self.path} -> {self.status} {dict.__repr__(self)[:200]}>"


@dataclass
class _Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Callable[[Payload, dict[str, str]], Awaitable[tuple[int, Any]]]
    auth: bool


@dataclass
class _RateLimit:
    pattern: str
    retry_after: float
    count: int
    is_global: bool


@dataclass
class _Interaction:
    """Server-side state of one interaction."""

    id: int
    token: str
    type: int
    user: FakeUser
    channel_id: int
    payload: dict[str, Any]
    created: float
    name: str | None = None
    source_message_id: int | None = None
    callback: Payload | None = None
    original_id: int | None = None
    choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None
    message_ids: list[int] = field(default_factory=list)
    followups: list[Payload] = field(default_factory=list)
    edits: list[Payload] = field(default_factory=list)
    deletes: list[Payload] = field(default_factory=list)
    rejected: list[Payload] = field(default_factory=list)


class InteractionHandle:
    """What a test holds after triggering an interaction: its payload and the bot's answers."""

    def __init__(self, fake: FakeDiscord, state: _Interaction) -> None:
        self._fake = fake
        self._state = state

    def __repr__(self) -> str:
        return f"<InteractionHandle id={self.id} type={self.type} name={self._state.name!r}>"

    @property
    def id(self) -> int:
        """Return the interaction id."""
        return self._state.id

    @property
    def token(self) -> str:
        """Return the interaction token."""
        return self._state.token

    @property
    def type(self) -> int:
        """Return the interaction type (2 command, 3 component, 4 autocomplete, 5 modal submit)."""
        return self._state.type

    @property
    def user(self) -> FakeUser:
        """Return the user who triggered the interaction."""
        return self._state.user

    @property
    def payload(self) -> dict[str, Any]:
        """Return the INTERACTION_CREATE payload as sent."""
        return self._state.payload

    @property
    def response(self) -> Payload | None:
        """Return the accepted initial callback, if any."""
        return self._state.callback

    @property
    def followups(self) -> list[Payload]:
        """Return the accepted follow-up requests, in order."""
        return list(self._state.followups)

    @property
    def edits(self) -> list[Payload]:
        """Return the accepted edits of this interaction's messages, in order."""
        return list(self._state.edits)

    @property
    def rejected(self) -> list[Payload]:
        """Return requests for this interaction that the fake answered with an error."""
        return list(self._state.rejected)

    @property
    def original(self) -> dict[str, Any] | None:
        """Return the current state of the `@original` message, if there is one."""
        if self._state.original_id is None:
            return None
        return self._fake.message(self._state.original_id)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Return the current state of every message this interaction created (original first)."""
        found = (self._fake.message(i) for i in self._state.message_ids)
        return [m for m in found if m is not None]

    async def wait_response(self, timeout: float = 5.0) -> Payload:
        """Wait for the initial callback (type 4, 5, 6, 7, 8 or 9) and return it."""
        return await self._fake.wait_for(
            lambda: self._state.callback, timeout=timeout, what=f"the initial response to {self!r}"
        )

    async def wait_followups(self, n: int = 1, timeout: float = 5.0) -> list[Payload]:
        """Wait until at least `n` follow-ups were accepted and return them all."""
        return await self._fake.wait_for(
            lambda: list(self._state.followups) if len(self._state.followups) >= n else None,
            timeout=timeout,
            what=f"{n} follow-up(s) to {self!r}",
        )

    async def wait_edits(self, n: int = 1, timeout: float = 5.0) -> list[Payload]:
        """Wait until at least `n` edits were accepted and return them all."""
        return await self._fake.wait_for(
            lambda: list(self._state.edits) if len(self._state.edits) >= n else None,
            timeout=timeout,
            what=f"{n} edit(s) of {self!r}",
        )

    async def wait_choices(self, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait for an autocomplete result and return its choices."""
        return await self._fake.wait_for(
            lambda: self._state.choices, timeout=timeout, what=f"autocomplete choices for {self!r}"
        )

    async def wait_original(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """Wait until the `@original` message satisfies `predicate` and return it."""

        def check() -> dict[str, Any] | None:
            original = self.original
            return original if original is not None and predicate(original) else None

        return await self._fake.wait_for(
            check, timeout=timeout, what=f"the original message of {self!r}"
        )


class FakeDiscord:
    """Discord's REST API v10 and gateway on 127.0.0.1, with a driver API for tests."""

    def __init__(
        self,
        *,
        token: str = "fake-token",
        heartbeat_interval: int = 41250,
        interaction_deadline: float = 3.0,
        guild_name: str = "Readout Test Server",
        allowed_intents: int = PRIVILEGED_INTENTS,
        patch: bool = True,
    ) -> None:
        self.token = token
        self.interaction_deadline = interaction_deadline
        self.world = World(guild_name=guild_name)
        self._patch = patch
        self._patcher: contextlib.ExitStack | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self.gateway = Gateway(
            self.world,
            token=token,
            heartbeat_interval=heartbeat_interval,
            allowed_intents=allowed_intents,
            notify=self._notify,
        )
        self._routes: list[_Route] = []
        self._rate_limits: list[_RateLimit] = []
        self._interactions: dict[int, _Interaction] = {}
        self._by_token: dict[str, _Interaction] = {}
        self._synced: dict[int | None, list[dict[str, Any]]] = {}
        self._command_ids: dict[tuple[int | None, int, str], int] = {}
        self._runner: web.AppRunner | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._files: dict[int, RecordedFile] = {}
        self._port = 0
        self.requests: list[Payload] = []
        self.callbacks: list[Payload] = []
        self.followups: list[Payload] = []
        self.edits: list[Payload] = []
        self.deletes: list[Payload] = []
        self.channel_posts: list[Payload] = []
        self.thread_requests: list[Payload] = []
        self.threads: list[dict[str, Any]] = []
        self.sync_requests: list[Payload] = []
        self.unknown_routes: list[Payload] = []
        self.rejected: list[Payload] = []
        self.rate_limited: list[Payload] = []
        self.reactions: list[Payload] = []
        self.typing: list[Payload] = []
        self.user_messages: list[dict[str, Any]] = []
        self._define_routes()

    # ----------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Start serving on a random port of 127.0.0.1 (and patch discord.py if asked)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/gateway", self.gateway.handle)
        app.router.add_route("GET", "/resume", self.gateway.handle)
        app.router.add_route("*", "/{tail:.*}", self._serve)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=2.0
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()
        self.gateway.resume_url = f"ws://127.0.0.1:{self._port}/resume"
        if self._patch:
            self._patcher = contextlib.ExitStack()
            self._patcher.enter_context(self.patch_discord())

    async def close(self) -> None:
        """Close gateway connections, stop the server and undo the discord.py patch."""
        if self._background:
            await asyncio.wait(set(self._background), timeout=5)
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._patcher is not None:
            self._patcher.close()
            self._patcher = None
        for waiter in self._waiters:
            if not waiter.done():
                waiter.cancel()

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point discord.py's REST base URL and default gateway at this fake, then restore them."""
        import discord.gateway
        import discord.http
        import yarl

        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_url
        # A plain Client never calls GET /gateway/bot: it connects to DEFAULT_GATEWAY directly.
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    @property
    def port(self) -> int:
        """Return the TCP port the fake listens on."""
        return self._port

    @property
    def api_url(self) -> str:
        """Return the REST base URL (what `Route.BASE` becomes)."""
        return f"http://127.0.0.1:{self._port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Return the gateway websocket URL."""
        return f"ws://127.0.0.1:{self._port}/gateway"

    # ----------------------------------------------------------------- the world, for tests

    @property
    def bot_user(self) -> FakeUser:
        """Return the bot's user."""
        return self.world.bot

    @property
    def member(self) -> FakeUser:
        """Return a member without special permissions."""
        return self.world.member

    @property
    def admin(self) -> FakeUser:
        """Return a member whose "Admin" role grants Manage Server."""
        return self.world.admin

    @property
    def owner(self) -> FakeUser:
        """Return the guild owner (every permission)."""
        return self.world.owner

    @property
    def application_id(self) -> int:
        """Return the application id (equal to the bot user's id, as on Discord)."""
        return self.world.application_id

    @property
    def guild_id(self) -> int:
        """Return the guild id."""
        return self.world.guild_id

    @property
    def channel_id(self) -> int:
        """Return the id of the text channel "general"."""
        return self.world.channel_id

    @property
    def admin_role_id(self) -> int:
        """Return the id of the "Admin" role."""
        return self.world.admin_role_id

    def add_user(
        self, username: str, *, admin: bool = False, roles: Sequence[int] = ()
    ) -> FakeUser:
        """Add a guild member (call before the bot connects, or it only exists on the REST side)."""
        return self.world.add_user(username, admin=admin, roles=roles)

    def add_text_channel(self, name: str) -> int:
        """Add a text channel (call before the bot connects) and return its id."""
        return self.world.add_text_channel(name)

    def message(self, message_id: int | str) -> dict[str, Any] | None:
        """Return the current state of a stored message."""
        found = self.world.messages.get(int(message_id))
        return copy.deepcopy(found) if found is not None else None

    def messages_in(
        self, channel_id: int, *, author: FakeUser | None = None
    ) -> list[dict[str, Any]]:
        """Return the channel's visible (non-ephemeral) messages, oldest first."""
        found = [
            copy.deepcopy(m)
            for m in self.world.messages.values()
            if int(m["channel_id"]) == channel_id
            and not m["flags"] & EPHEMERAL
            and (author is None or int(m["author"]["id"]) == author.id)
        ]
        return sorted(found, key=lambda m: int(m["id"]))

    def synced_commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """Return the commands last synced globally (None) or to a guild, as Discord stored them."""
        return copy.deepcopy(self._synced.get(guild_id, []))

    def get_channel(self, channel_id: int) -> dict[str, Any] | None:
        """Return a channel or thread payload."""
        found = self.world.channels.get(channel_id)
        return copy.deepcopy(found) if found is not None else None

    @staticmethod
    def link_previews(message: Mapping[str, Any]) -> list[str]:
        """Return the URLs Discord would unfurl into preview embeds for this message."""
        if int(message.get("flags") or 0) & SUPPRESS_EMBEDS:
            return []
        urls = []
        for match in LINK.finditer(str(message.get("content") or "")):
            urls.append(match.group(1) or match.group(0))
        return urls

    # gateway records
    @property
    def identifies(self) -> list[dict[str, Any]]:
        """Return every IDENTIFY payload received."""
        return list(self.gateway.identifies)

    @property
    def resumes(self) -> list[dict[str, Any]]:
        """Return every RESUME payload received."""
        return list(self.gateway.resumes)

    @property
    def connections(self) -> list[Connection]:
        """Return every gateway connection (path, query, compression, close code)."""
        return list(self.gateway.connections)

    @property
    def intents(self) -> int:
        """Return the intents of the current session."""
        return self.gateway.intents

    def problems(self) -> list[str]:
        """Return what a sound bot never causes: bad routes or payloads, gateway errors, silence."""
        found = [f"unknown route: {p.method} {p.path}" for p in self.unknown_routes]
        found += [
            f"rejected: {p.method} {p.path} -> {p.status} {p.response}" for p in self.rejected
        ]
        found += [
            f"gateway closed by the fake: {c.error}" for c in self.gateway.connections if c.error
        ]
        now = time.monotonic()
        found += [
            f"interaction {s.id} ({s.name}) never answered: Discord shows 'This interaction failed'"
            for s in self._interactions.values()
            if s.callback is None and now - s.created > self.interaction_deadline
        ]
        return found

    def summary(self) -> str:
        """Return a short account of what was recorded (used in timeout messages)."""
        return (
            f"callbacks={len(self.callbacks)} followups={len(self.followups)} "
            f"edits={len(self.edits)} "
            f"channel_posts={len(self.channel_posts)} threads={len(self.threads)} "
            f"rate_limited={len(self.rate_limited)} connected={self.gateway.connected} "
            f"problems={self.problems()}"
        )

    # ----------------------------------------------------------------- waiting

    def _notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        *,
        timeout: float = 5.0,
        what: str = "a condition",
    ) -> T:
        """Wait until `predicate()` returns neither None nor False; re-checked on every event."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result is not None and result is not False:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}; {self.summary()}"
                )
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                pass
            finally:
                self._waiters.remove(waiter)

    async def wait_channel_messages(
        self, channel_id: int, n: int = 1, *, author: FakeUser | None = None, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Wait until a channel holds at least `n` messages by `author` (default: the bot)."""
        who = author or self.bot_user
        return await self.wait_for(
            lambda: found if len(found := self.messages_in(channel_id, author=who)) >= n else None,
            timeout=timeout,
            what=f"{n} message(s) by {who.username} in channel {channel_id}",
        )

    async def wait_threads(self, n: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until the bot created at least `n` threads and return them."""
        return await self.wait_for(
            lambda: list(self.threads) if len(self.threads) >= n else None,
            timeout=timeout,
            what=f"{n} thread(s)",
        )

    async def wait_connected(self, timeout: float = 5.0) -> None:
        """Wait until a client is identified or resumed on a live connection."""
        await self.wait_for(
            lambda: True if self.gateway.connected else None,
            timeout=timeout,
            what="a gateway session",
        )

    async def wait_resumed(self, n: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until `n` RESUMEs were accepted and the session is live again."""

        def check() -> list[dict[str, Any]] | None:
            resumed = [c for c in self.gateway.connections if c.kind == "resume"]
            return self.resumes if len(resumed) >= n and self.gateway.connected else None

        return await self.wait_for(check, timeout=timeout, what=f"{n} resume(s)")

    # ----------------------------------------------------------------- driving the bot

    async def send_slash(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: FakeUser | None = None,
        channel_id: int | None = None,
        subcommand: str | None = None,
        locale: str = "en-US",
        require_synced: bool = True,
        bypass_permissions: bool = False,
    ) -> InteractionHandle:
        """Invoke a slash command as a user; `name` may be "group sub", or pass `subcommand`."""
        path = name.split() + (subcommand.split() if subcommand else [])
        user = user or self.member
        data = self._command_data(
            path,
            options or {},
            user=user,
            focused=None,
            require_synced=require_synced,
            bypass_permissions=bypass_permissions,
        )
        return await self._create_interaction(
            APPLICATION_COMMAND,
            data,
            user=user,
            channel_id=channel_id or self.channel_id,
            locale=locale,
            name=" ".join(path),
        )

    async def autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        user: FakeUser | None = None,
        channel_id: int | None = None,
        subcommand: str | None = None,
        timeout: float = 5.0,
    ) -> list[dict[str, Any]]:
        """Type into option `focused` of a command and return the choices the bot offered."""
        handle = await self.start_autocomplete(
            name, options, focused, user=user, channel_id=channel_id, subcommand=subcommand
        )
        return await handle.wait_choices(timeout)

    async def start_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        user: FakeUser | None = None,
        channel_id: int | None = None,
        subcommand: str | None = None,
    ) -> InteractionHandle:
        """Send an autocomplete interaction and return its handle without waiting."""
        if focused not in options:
            raise ValueError(f"the focused option {focused!r} needs a (partial) value in options")
        path = name.split() + (subcommand.split() if subcommand else [])
        user = user or self.member
        data = self._command_data(
            path, options, user=user, focused=focused, require_synced=True, bypass_permissions=False
        )
        return await self._create_interaction(
            AUTOCOMPLETE,
            data,
            user=user,
            channel_id=channel_id or self.channel_id,
            name=" ".join(path),
        )

    async def click_button(
        self,
        message: Mapping[str, Any] | int | str,
        custom_id: str,
        *,
        user: FakeUser | None = None,
    ) -> InteractionHandle:
        """Click a button on a stored message, as `user` (default: the member)."""
        stored, component = self._find_component(message, custom_id, user or self.member)
        if component.get("type") != 2:
            raise ValueError(
                f"component {custom_id!r} is type {component.get('type')}, not a button"
            )
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        if "id" in component:
            data["id"] = component["id"]
        return await self._component_interaction(stored, data, user or self.member)

    async def select(
        self,
        message: Mapping[str, Any] | int | str,
        custom_id: str,
        values: Sequence[str],
        *,
        user: FakeUser | None = None,
    ) -> InteractionHandle:
        """Choose `values` in a string select menu on a stored message."""
        stored, component = self._find_component(message, custom_id, user or self.member)
        kind = component.get("type")
        if kind not in SELECT_TYPES:
            raise ValueError(f"component {custom_id!r} is type {kind}, not a select menu")
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if not low <= len(values) <= high:
            raise ValueError(f"select {custom_id!r} takes {low}..{high} values, got {len(values)}")
        if kind == 3:
            offered = {o["value"] for o in component.get("options", [])}
            if not set(values) <= offered:
                raise ValueError(
                    f"values {sorted(set(values) - offered)} are not options of {custom_id!r}"
                )
        data: dict[str, Any] = {
            "custom_id": custom_id,
            "component_type": kind,
            "values": list(values),
        }
        if "id" in component:
            data["id"] = component["id"]
        return await self._component_interaction(stored, data, user or self.member)

    async def submit_modal(
        self, handle: InteractionHandle, values: Mapping[str, str], *, user: FakeUser | None = None
    ) -> InteractionHandle:
        """Fill in and submit the modal the bot answered `handle` with."""
        modal = handle._state.modal
        if modal is None:
            raise RuntimeError(f"{handle!r} was not answered with a modal")
        unknown = set(values) - {c.get("custom_id") for c in walk_components(modal["components"])}
        if unknown:
            raise ValueError(f"the modal has no inputs {sorted(unknown)}")
        components = [self._modal_answer(c, values) for c in modal["components"]]
        data = {
            "custom_id": modal["custom_id"],
            "components": [c for c in components if c is not None],
        }
        parent = handle._state
        message = None
        if parent.source_message_id is not None:
            message = self.world.messages.get(parent.source_message_id)
        return await self._create_interaction(
            MODAL_SUBMIT,
            data,
            user=user or parent.user,
            channel_id=parent.channel_id,
            message=message,
            name=parent.name,
        )

    async def send_message(
        self,
        channel_id: int,
        content: str,
        *,
        author: FakeUser | None = None,
        mentions: Sequence[FakeUser] | None = None,
        reply_to: Mapping[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """Post a message as a user (MESSAGE_CREATE); mentions default to those in `content`."""
        if channel_id not in self.world.channels:
            raise ValueError(f"unknown channel {channel_id}")
        self._require_session()
        author = author or self.member
        referenced = None
        extra: dict[str, Any] = {"nonce": str(self.world.ids.next())}
        if reply_to is not None:
            ref_id = int(reply_to["id"]) if isinstance(reply_to, Mapping) else int(reply_to)
            referenced = self.world.messages[ref_id]
            extra["message_reference"] = {
                "type": 0,
                "message_id": str(ref_id),
                "channel_id": referenced["channel_id"],
                "guild_id": str(self.guild_id),
            }
            extra["referenced_message"] = copy.deepcopy(referenced)
        message = self.world.message(
            channel_id=channel_id,
            author=author,
            content=content,
            kind=19 if referenced else 0,
            **extra,
        )
        # A user's client sends no allowed_mentions: everything written is parsed.
        message.update(self.world.resolve_mentions(content, None, author, referenced))
        if mentions is not None:
            message["mentions"] = [self.world.mention_payload(u) for u in mentions]
        self.user_messages.append(copy.deepcopy(message))
        await self.gateway.dispatch("MESSAGE_CREATE", message)
        return copy.deepcopy(message)

    async def drop_gateway(
        self, *, code: int = 4000, abrupt: bool = False, hold: bool = False
    ) -> None:
        """Drop the gateway (close `code`, or cut TCP if `abrupt`); `hold` delays reconnecting."""
        await self.gateway.drop(code=code, abrupt=abrupt, hold=hold)

    def release_gateway(self) -> None:
        """Let a reconnection held by `drop_gateway(hold=True)` proceed."""
        self.gateway.release()

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client should close and RESUME."""
        await self.gateway.send_op(OP_RECONNECT, None)

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION: with `resumable=False` the client must IDENTIFY again."""
        if not resumable:
            self.gateway.session_id = None
        await self.gateway.send_op(OP_INVALID_SESSION, resumable)

    def rate_limit_next(
        self, pattern: str, retry_after: float = 0.3, *, count: int = 1, is_global: bool = False
    ) -> None:
        """Answer the next `count` requests matching glob `pattern` ("METHOD /path") with 429."""
        self._rate_limits.append(_RateLimit(pattern, retry_after, count, is_global))

    # ----------------------------------------------------------------- interaction building

    def _require_session(self) -> None:
        if self.gateway.session_id is None:
            raise RuntimeError("no gateway session: the bot has not identified yet")

    def _find_command(self, name: str) -> tuple[dict[str, Any] | None, int | None]:
        for scope in (self.guild_id, None):
            for command in self._synced.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return command, scope
        return None, None

    def _command_data(
        self,
        path: list[str],
        values: Mapping[str, Any],
        *,
        user: FakeUser,
        focused: str | None,
        require_synced: bool,
        bypass_permissions: bool,
    ) -> dict[str, Any]:
        if not path:
            raise ValueError("a command name is required")
        command, scope = self._find_command(path[0])
        if command is None and require_synced:
            synced = sorted(c["name"] for cmds in self._synced.values() for c in cmds)
            raise LookupError(
                f"/{path[0]} was never synced, so Discord would not offer it; synced: {synced}"
            )
        resolved: dict[str, dict[str, Any]] = {}
        data: dict[str, Any] = {"name": path[0], "type": 1}
        if command is not None:
            data["id"] = command["id"]
            self._check_member_permissions(command, user, bypass_permissions)
            if scope is not None:
                data["guild_id"] = str(scope)
        else:
            data["id"] = str(self.world.ids.next())
            # Unsynced: claim the guild scope; CommandTree falls back to global commands by default.
            data["guild_id"] = str(self.guild_id)
        spec: dict[str, Any] | None = command
        wrappers: list[dict[str, Any]] = []
        for part in path[1:]:
            child = None
            if spec is not None:
                child = next(
                    (
                        o
                        for o in spec.get("options", [])
                        if o["name"] == part and o["type"] in (1, 2)
                    ),
                    None,
                )
                if child is None:
                    raise LookupError(f"/{' '.join(path)}: no subcommand or group {part!r}")
            kind = child["type"] if child is not None else 1
            wrappers.append({"name": part, "type": kind})
            spec = child
        options = self._options(
            spec.get("options") if spec is not None else None, values, resolved, focused
        )
        if wrappers:
            wrappers[-1]["options"] = options
            for outer, inner in zip(reversed(wrappers[:-1]), reversed(wrappers[1:]), strict=True):
                outer["options"] = [inner]
            data["options"] = [wrappers[0]]
        else:
            data["options"] = options
        if resolved:
            data["resolved"] = resolved
        return data

    def _check_member_permissions(
        self, command: Mapping[str, Any], user: FakeUser, bypass: bool
    ) -> None:
        required = command.get("default_member_permissions")
        if required is None or bypass:
            return
        have = self.world.permissions(user)
        if have & Perm.ADMINISTRATOR:
            return
        if int(required) == 0 or have & int(required) != int(required):
            raise PermissionError(
                f"{user.username} lacks default_member_permissions={required} for "
                f"/{command['name']}: Discord would not show the command (pass "
                "bypass_permissions=True to model a server override)"
            )

    def _options(
        self,
        spec: list[dict[str, Any]] | None,
        values: Mapping[str, Any],
        resolved: dict[str, dict[str, Any]],
        focused: str | None,
    ) -> list[dict[str, Any]]:
        known = {o["name"]: o for o in spec} if spec is not None else None
        out: list[dict[str, Any]] = []
        for name, value in values.items():
            option = known.get(name) if known is not None else None
            if known is not None and option is None:
                raise ValueError(f"unknown option {name!r}; the command has {sorted(known)}")
            kind = int(option["type"]) if option is not None else _guess_type(value)
            if name == focused:
                if option is not None and not option.get("autocomplete"):
                    raise ValueError(
                        f"option {name!r} has no autocomplete, so Discord would not ask"
                    )
                # Discord sends the focused option's partial input as typed, i.e. as a string.
                out.append({"name": name, "type": kind, "value": str(value), "focused": True})
                continue
            if option is not None:
                _check_option_value(option, value)
            out.append(
                {"name": name, "type": kind, "value": self._option_value(kind, value, resolved)}
            )
        if known is not None and focused is None:
            missing = [
                o["name"]
                for o in known.values()
                if o.get("required") and o["type"] not in (1, 2) and o["name"] not in values
            ]
            if missing:
                raise ValueError(f"required option(s) missing: {missing}")
        return out

    def _option_value(self, kind: int, value: Any, resolved: dict[str, dict[str, Any]]) -> Any:
        if kind in (6, 9) and isinstance(value, FakeUser):
            resolved.setdefault("users", {})[str(value.id)] = value.payload()
            resolved.setdefault("members", {})[str(value.id)] = self.world.member_payload(
                value, with_user=False, permissions=True
            )
            return str(value.id)
        if kind not in (6, 7, 8, 9):
            return value
        ident = int(value)
        if kind in (6, 9) and ident in self.world.users:
            return self._option_value(kind, self.world.users[ident], resolved)
        if kind == 7 and ident in self.world.channels:
            channel = self.world.channels[ident]
            resolved.setdefault("channels", {})[str(ident)] = {
                k: channel[k]
                for k in ("id", "name", "type", "parent_id", "thread_metadata")
                if k in channel
            } | {"permissions": str(self.world.permissions(self.member))}
        elif kind in (8, 9) and ident in self.world.roles:
            resolved.setdefault("roles", {})[str(ident)] = self.world.roles[ident]
        else:
            raise ValueError(f"option type {kind}: no such user, channel or role {ident}")
        return str(ident)

    def _find_component(
        self, message: Mapping[str, Any] | int | str, custom_id: str, user: FakeUser
    ) -> tuple[dict[str, Any], Mapping[str, Any]]:
        message_id = int(message["id"]) if isinstance(message, Mapping) else int(message)
        stored = self.world.messages.get(message_id)
        if stored is None:
            raise LookupError(f"message {message_id} does not exist (deleted?)")
        if stored["flags"] & EPHEMERAL:
            owner = int(stored.get("interaction_metadata", {}).get("user", {}).get("id", 0))
            if owner != user.id:
                raise PermissionError(
                    "only the user an ephemeral message was sent to can click on it"
                )
        components = walk_components(stored["components"])
        component = next((c for c in components if c.get("custom_id") == custom_id), None)
        if component is None:
            ids = [c.get("custom_id") for c in components if c.get("custom_id")]
            raise LookupError(f"message {message_id} has no component {custom_id!r}; it has {ids}")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled: a user cannot use it")
        return stored, component

    async def _component_interaction(
        self, stored: dict[str, Any], data: dict[str, Any], user: FakeUser
    ) -> InteractionHandle:
        return await self._create_interaction(
            MESSAGE_COMPONENT,
            data,
            user=user,
            channel_id=int(stored["channel_id"]),
            message=stored,
            name=data["custom_id"],
        )

    @staticmethod
    def _modal_answer(
        component: Mapping[str, Any], values: Mapping[str, str]
    ) -> dict[str, Any] | None:
        kind = component.get("type")
        if kind == 1:
            inner = [FakeDiscord._modal_answer(c, values) for c in component.get("components", [])]
            return {"type": 1, "components": [c for c in inner if c is not None]}
        if kind == 18:
            inner_answer = FakeDiscord._modal_answer(component["component"], values)
            return (
                None
                if inner_answer is None
                else {"type": 18, "id": component.get("id"), "component": inner_answer}
            )
        if kind == 4:
            custom_id = component["custom_id"]
            value = values.get(custom_id, component.get("value") or "")
            if component.get("required", True) and not value:
                raise ValueError(f"modal input {custom_id!r} is required")
            answer: dict[str, Any] = {"type": 4, "custom_id": custom_id, "value": value}
            if "id" in component:
                answer["id"] = component["id"]
            return answer
        return None  # Text displays and the like carry no answer.

    async def _create_interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user: FakeUser,
        channel_id: int,
        message: Mapping[str, Any] | None = None,
        locale: str = "en-US",
        name: str | None = None,
    ) -> InteractionHandle:
        self._require_session()
        channel = self.world.channels.get(channel_id)
        if channel is None:
            raise ValueError(f"unknown channel {channel_id}")
        interaction_id = self.world.ids.next()
        token = f"fake.{secrets.token_urlsafe(32)}"
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "guild_id": str(self.guild_id),
            "guild": {"id": str(self.guild_id), "locale": "en-US", "features": []},
            "guild_locale": "en-US",
            "channel_id": str(channel_id),
            "channel": {**copy.deepcopy(channel), "permissions": str(self.world.permissions(user))},
            "member": self.world.member_payload(user, permissions=True),
            "app_permissions": str(self.world.permissions(self.bot_user)),
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = copy.deepcopy(dict(message))
        state = _Interaction(
            interaction_id,
            token,
            kind,
            user,
            channel_id,
            payload,
            time.monotonic(),
            name,
            source_message_id=int(message["id"]) if message is not None else None,
        )
        self._interactions[interaction_id] = state
        self._by_token[token] = state
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return InteractionHandle(self, state)

    # ----------------------------------------------------------------- REST plumbing

    def _route(
        self,
        method: str,
        template: str,
        handler: Callable[[Payload, dict[str, str]], Awaitable[tuple[int, Any]]],
        *,
        auth: bool = True,
    ) -> None:
        regex = re.sub(
            r"\{(\w+)\}",
            r"(?P<\1>[^/]+)",
            re.escape(template).replace(r"\{", "{").replace(r"\}", "}"),
        )
        self._routes.append(_Route(method, template, re.compile(f"^{regex}$"), handler, auth))

    def _define_routes(self) -> None:
        r = self._route
        r("GET", "/gateway", self._get_gateway, auth=False)
        r("GET", "/gateway/bot", self._get_gateway_bot)
        r("GET", "/users/@me", self._get_me)
        r("GET", "/users/{user_id}", self._get_user)
        r("GET", "/oauth2/applications/@me", self._get_application)
        r("GET", "/applications/@me", self._get_application)
        r("GET", "/applications/{application_id}/commands", self._get_commands)
        r("PUT", "/applications/{application_id}/commands", self._put_commands)
        r("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self._get_commands)
        r("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self._put_commands)
        # Interaction and webhook routes authenticate with the token in the URL, not the bot token.
        r("POST", "/interactions/{interaction_id}/{token}/callback", self._callback, auth=False)
        r("POST", "/webhooks/{application_id}/{token}", self._followup, auth=False)
        r(
            "GET",
            "/webhooks/{application_id}/{token}/messages/{message_id}",
            self._get_webhook_message,
            auth=False,
        )
        r(
            "PATCH",
            "/webhooks/{application_id}/{token}/messages/{message_id}",
            self._edit_webhook_message,
            auth=False,
        )
        r(
            "DELETE",
            "/webhooks/{application_id}/{token}/messages/{message_id}",
            self._delete_webhook_message,
            auth=False,
        )
        r("GET", "/channels/{channel_id}", self._get_channel)
        r("PATCH", "/channels/{channel_id}", self._edit_channel)
        r("GET", "/channels/{channel_id}/messages", self._history)
        r("POST", "/channels/{channel_id}/messages", self._post_message)
        r("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message)
        r("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_message)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message)
        r("POST", "/channels/{channel_id}/messages/{message_id}/threads", self._thread_from_message)
        r("POST", "/channels/{channel_id}/threads", self._thread_without_message)
        r(
            "PUT",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
            self._add_reaction,
        )
        r(
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
            self._remove_reaction,
        )
        r("POST", "/channels/{channel_id}/typing", self._typing)
        r("PUT", "/channels/{channel_id}/thread-members/@me", self._join_thread)
        r("GET", "/guilds/{guild_id}", self._get_guild)
        r("GET", "/guilds/{guild_id}/channels", self._get_guild_channels)
        r("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member)

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str], bool]:
        path_known = False
        for route in self._routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            path_known = True
            if route.method == method:
                return route, found.groupdict(), True
        return None, {}, path_known

    async def _read_body(self, request: web.Request) -> tuple[Any, list[RecordedFile]]:
        files: list[RecordedFile] = []
        if request.content_type == "multipart/form-data":
            body: Any = None
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                data = await part.read(decode=False)
                if part.name == "payload_json":
                    body = json.loads(data)
                else:
                    files.append(
                        RecordedFile(
                            part.name or "",
                            part.filename,
                            part.headers.get("Content-Type"),
                            bytes(data),
                        )
                    )
            return body, files
        raw = await request.read()
        if not raw:
            return None, files
        try:
            return json.loads(raw), files
        except ValueError:
            return raw.decode(errors="replace"), files

    def _take_rate_limit(self, method: str, path: str, template: str | None) -> _RateLimit | None:
        keys = [f"{method} {path}"] + ([f"{method} {template}"] if template else [])
        for limit in self._rate_limits:
            if any(fnmatch.fnmatchcase(k, limit.pattern) for k in keys):
                limit.count -= 1
                if limit.count <= 0:
                    self._rate_limits.remove(limit)
                return limit
        return None

    @staticmethod
    def _headers(bucket: str, *, remaining: int, reset_after: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": "50" if remaining else "5",
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket,
            # discord.py takes a 429 without Via for a Cloudflare ban and raises, never retries.
            "Via": "1.1 google",
        }

    @staticmethod
    def _json(status: int, data: Any, headers: dict[str, str]) -> web.Response:
        if status == 204 or data is None:
            return web.Response(status=204, headers=headers)
        # Exactly "application/json": discord.py only parses JSON when the header is exactly that.
        return web.Response(
            status=status,
            body=json.dumps(data).encode(),
            headers={**headers, "Content-Type": "application/json"},
        )

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        method = request.method
        body, files = await self._read_body(request)
        rec = Payload(
            body,
            method=method,
            path=path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else path,
            query=request.query,
            files=files,
            headers=request.headers,
        )
        self.requests.append(rec)
        if method == "GET" and path.startswith("/attachments/"):
            return self._attachment(rec)
        route, params, path_known = (
            self._match(method, rec.path) if path.startswith(API_PREFIX) else (None, {}, False)
        )
        rec.route = route.template if route is not None else None
        rec.params = params
        bucket = hashlib.sha1(f"{method} {rec.route or rec.path}".encode()).hexdigest()[:16]
        try:
            limit = self._take_rate_limit(method, rec.path, rec.route)
            if limit is not None:
                return self._too_many(rec, limit, bucket)
            if route is None:
                rec.status = 405 if path_known else 404
                rec.response = {
                    "message": f"{rec.status}: "
                    + ("Method Not Allowed" if path_known else "Not Found"),
                    "code": 0,
                }
                self.unknown_routes.append(rec)
                log.warning("fake discord: unknown route %s %s", method, path)
                return self._json(rec.status, rec.response, {})
            if route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
                rec.status, rec.response = 401, {"message": "401: Unauthorized", "code": 0}
                self.rejected.append(rec)
                return self._json(401, rec.response, {})
            try:
                rec.status, rec.response = await route.handler(rec, params)
            except (KeyError, ValueError, TypeError, AttributeError) as error:
                # Input the fake did not foresee: fail fast (on a 500 discord.py would retry).
                log.exception("fake discord: error handling %s %s", method, path)
                rec.status, rec.response = (
                    400,
                    {"code": 0, "message": f"fake discord could not handle it: {error!r}"},
                )
                self.rejected.append(rec)
            except DiscordError as error:
                rec.status, rec.response = error.status, error.body()
                self.rejected.append(rec)
                state = self._by_token.get(params.get("token", ""))
                if state is not None:
                    state.rejected.append(rec)
                log.info("fake discord: %s %s rejected: %s", method, path, rec.response)
            return self._json(
                rec.status, rec.response, self._headers(bucket, remaining=49, reset_after=1.0)
            )
        finally:
            self._notify()

    def _attachment(self, rec: Payload) -> web.Response:
        parts = rec.path.split("/")
        upload = self._files.get(_int(parts[3])) if len(parts) > 3 else None
        if upload is None:
            rec.status = 404
            return web.Response(status=404)
        rec.status = 200
        return web.Response(
            body=upload.data, content_type=upload.content_type or "application/octet-stream"
        )

    def _too_many(self, rec: Payload, limit: _RateLimit, bucket: str) -> web.Response:
        rec.status = 429
        rec.response = {
            "message": "You are being rate limited.",
            "retry_after": limit.retry_after,
            "global": limit.is_global,
            "code": 0,
        }
        self.rate_limited.append(rec)
        headers = self._headers(bucket, remaining=0, reset_after=limit.retry_after)
        headers["Retry-After"] = str(math.ceil(limit.retry_after))
        headers["X-RateLimit-Scope"] = "global" if limit.is_global else "user"
        if limit.is_global:
            headers["X-RateLimit-Global"] = "true"
        return self._json(429, rec.response, headers)

    # ----------------------------------------------------------------- REST: session and commands

    async def _get_gateway(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        return 200, {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }

    async def _get_me(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        return 200, {
            **self.bot_user.payload(),
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
            "email": None,
        }

    async def _get_user(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        user = self.world.users.get(_int(p["user_id"]))
        if user is None:
            raise DiscordError(404, 10013, "Unknown User")
        return 200, user.payload()

    async def _get_application(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 1 << 19,
            "owner": self.owner.payload(),
            "team": None,
            "bot": self.bot_user.payload(),
            "install_params": {
                "scopes": ["bot", "applications.commands"],
                "permissions": str(int(Perm.SEND_MESSAGES)),
            },
            "integration_types_config": {"0": {}},
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": 1,
            "tags": [],
        }

    def _command_scope(self, p: dict[str, str]) -> int | None:
        if _int(p["application_id"]) != self.application_id:
            raise DiscordError(403, 50001, "Missing Access")
        if "guild_id" not in p:
            return None
        if _int(p["guild_id"]) != self.guild_id:
            # The bot is in one guild; elsewhere it has no applications.commands scope.
            raise DiscordError(403, 50001, "Missing Access")
        return self.guild_id

    async def _get_commands(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        return 200, self.synced_commands(self._command_scope(p))

    async def _put_commands(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        scope = self._command_scope(p)
        check_commands(rec.body)
        stored = []
        for command in rec.body:
            kind = int(command.get("type", 1))
            # Discord keeps a command's id across overwrites as long as its name and type stay.
            key = (scope, kind, command["name"])
            command_id = self._command_ids.setdefault(key, self.world.ids.next())
            item = {
                "id": str(command_id),
                "application_id": str(self.application_id),
                "version": str(self.world.ids.next()),
                "type": kind,
                "default_member_permissions": None,
                "nsfw": False,
                "description": "",
                "options": [],
                "contexts": None,
                "integration_types": [0],
                **copy.deepcopy(command),
            }
            item["type"] = kind
            if item["default_member_permissions"] is not None:
                # Discord accepts a number or a string and always answers with a string.
                item["default_member_permissions"] = str(item["default_member_permissions"])
            if scope is not None:
                item["guild_id"] = str(scope)
            stored.append(item)
        self._synced[scope] = stored
        self.sync_requests.append(rec)
        return 200, copy.deepcopy(stored)

    # ----------------------------------------------------------------- REST: interactions

    def _interaction_for_token(self, application_id: str, token: str) -> _Interaction:
        state = self._by_token.get(token)
        if state is None or _int(application_id) != self.application_id:
            raise DiscordError(404, 10015, "Unknown Webhook")
        if state.callback is None:
            # Before the initial response the interaction webhook does not exist yet.
            raise DiscordError(404, 10015, "Unknown Webhook")
        return state

    async def _callback(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        state = self._interactions.get(_int(p["interaction_id"]))
        if state is None or state.token != p["token"]:
            raise DiscordError(404, 10062, "Unknown interaction")
        if state.callback is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if time.monotonic() - state.created > self.interaction_deadline:
            # Past the 3 s window Discord has already told the user "This interaction failed".
            raise DiscordError(404, 10062, "Unknown interaction")
        body = rec.body if isinstance(rec.body, dict) else {}
        kind = body.get("type")
        if kind not in ALLOWED_CALLBACKS[state.type] or (
            kind in (6, 7) and state.source_message_id is None
        ):
            raise DiscordError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "type": {
                        "_errors": [
                            {
                                "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                                "message": f"Callback type {kind} is not valid for "
                                f"interaction type {state.type}",
                            }
                        ]
                    }
                },
            )
        data = body.get("data") or {}
        message: dict[str, Any] | None = None
        if kind == 4:
            check_message(data, files=len(rec.files), creating=True)
            message = self._interaction_message(state, data, rec.files, original=True)
        elif kind == 5:
            message = self._interaction_message(
                state,
                {"flags": LOADING | (int(data.get("flags") or 0) & EPHEMERAL)},
                [],
                original=True,
            )
        elif kind in (6, 7):
            state.original_id = state.source_message_id
            message = (
                self.world.messages[state.original_id] if state.original_id is not None else None
            )
            if kind == 7 and message is not None:
                check_message(data, files=len(rec.files), creating=False)
                self._apply_edit(message, data, rec.files)
        elif kind == 8:
            check_choices(data)
            state.choices = copy.deepcopy(data["choices"])
        elif kind == 9:
            check_modal(data)
            state.modal = copy.deepcopy(data)
        state.callback = rec
        self.callbacks.append(rec)
        if message is not None:
            rec.message_id = int(message["id"])
            if kind == 7 and not message["flags"] & EPHEMERAL:
                await self.gateway.dispatch("MESSAGE_UPDATE", message)
        if rec.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        response: dict[str, Any] = {"interaction": {"id": str(state.id), "type": state.type}}
        resource: dict[str, Any] = {"type": kind}
        if message is not None:
            response["interaction"]["response_message_id"] = message["id"]
            response["interaction"]["response_message_loading"] = bool(message["flags"] & LOADING)
            response["interaction"]["response_message_ephemeral"] = bool(
                message["flags"] & EPHEMERAL
            )
            if kind != 6:
                resource["message"] = copy.deepcopy(message)
        response["resource"] = resource
        return 200, response

    def _interaction_message(
        self,
        state: _Interaction,
        data: Mapping[str, Any],
        files: Sequence[RecordedFile],
        *,
        original: bool,
    ) -> dict[str, Any]:
        owners = {"0": str(self.guild_id)}
        metadata: dict[str, Any] = {
            "id": str(state.id),
            "type": state.type,
            "user": state.user.payload(),
            "authorizing_integration_owners": owners,
        }
        if state.type == APPLICATION_COMMAND:
            metadata |= {"name": state.name, "command_type": 1}
        if state.type == MESSAGE_COMPONENT and state.source_message_id is not None:
            metadata["interacted_message_id"] = str(state.source_message_id)
        if not original and state.original_id is not None:
            metadata["original_response_message_id"] = str(state.original_id)
        message_id = self.world.ids.next()
        fields = self._message_fields(message_id, data, files)
        kind = 20 if state.type == APPLICATION_COMMAND else 0
        message = self.world.message(
            channel_id=state.channel_id,
            author=self.bot_user,
            kind=kind,
            message_id=message_id,
            webhook_id=str(self.application_id),
            application_id=str(self.application_id),
            interaction_metadata=metadata,
            **fields,
        )
        if original:
            message["interaction"] = {
                "id": str(state.id),
                "type": state.type,
                "name": state.name or "",
                "user": state.user.payload(),
            }
            state.original_id = message_id
        message.update(
            self.world.resolve_mentions(
                message["content"], data.get("allowed_mentions"), self.bot_user
            )
        )
        state.message_ids.append(message_id)
        if not message["flags"] & EPHEMERAL:
            self._dispatch_soon("MESSAGE_CREATE", message)
        return message

    def _dispatch_soon(self, event: str, data: dict[str, Any]) -> None:
        # The event follows the REST answer, as on Discord; copied now so later edits don't leak.
        snapshot = copy.deepcopy(data)
        task = asyncio.get_running_loop().create_task(self.gateway.dispatch(event, snapshot))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _webhook_target(self, state: _Interaction, message_id: str) -> dict[str, Any]:
        if message_id == "@original":
            target_id = state.original_id
        else:
            target_id = _int(message_id)
            if target_id not in state.message_ids and target_id != state.original_id:
                target_id = None
        message = self.world.messages.get(target_id) if target_id is not None else None
        if message is None:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def _followup(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        state = self._interaction_for_token(p["application_id"], p["token"])
        data = rec.body if isinstance(rec.body, dict) else {}
        check_message(data, files=len(rec.files), creating=True)
        original = (
            self.world.messages.get(state.original_id) if state.original_id is not None else None
        )
        if (
            original is not None
            and original["flags"] & LOADING
            and state.callback is not None
            and state.callback.get("type") == 5
        ):
            # The first follow-up after a "thinking" defer replaces the loading message, keeping
            # the ephemerality chosen at defer time.
            flags = (int(data.get("flags") or 0) & ~EPHEMERAL) | (original["flags"] & EPHEMERAL)
            self._apply_edit(original, {**data, "flags": flags}, rec.files, first_fill=True)
            message = original
            if not message["flags"] & EPHEMERAL:
                self._dispatch_soon("MESSAGE_UPDATE", message)
        else:
            message = self._interaction_message(state, data, rec.files, original=False)
        rec.message_id = int(message["id"])
        state.followups.append(rec)
        self.followups.append(rec)
        if rec.query.get("wait") in ("0", "false", "False"):
            return 204, None
        return 200, copy.deepcopy(message)

    async def _get_webhook_message(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        state = self._interaction_for_token(p["application_id"], p["token"])
        return 200, copy.deepcopy(self._webhook_target(state, p["message_id"]))

    async def _edit_webhook_message(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        state = self._interaction_for_token(p["application_id"], p["token"])
        message = self._webhook_target(state, p["message_id"])
        data = rec.body if isinstance(rec.body, dict) else {}
        check_message(data, files=len(rec.files), creating=False)
        self._apply_edit(message, data, rec.files, first_fill=bool(message["flags"] & LOADING))
        rec.message_id = int(message["id"])
        state.edits.append(rec)
        self.edits.append(rec)
        if not message["flags"] & EPHEMERAL:
            self._dispatch_soon("MESSAGE_UPDATE", message)
        return 200, copy.deepcopy(message)

    async def _delete_webhook_message(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        state = self._interaction_for_token(p["application_id"], p["token"])
        message = self._webhook_target(state, p["message_id"])
        await self._forget_message(message)
        rec.message_id = int(message["id"])
        state.deletes.append(rec)
        self.deletes.append(rec)
        return 204, None

    # ----------------------------------------------------------------- REST: messages

    def _message_fields(
        self, message_id: int, data: Mapping[str, Any], files: Sequence[RecordedFile]
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "content": data.get("content") or "",
            "embeds": _embeds(data.get("embeds")),
            "components": _with_component_ids(data.get("components") or []),
            "attachments": self._attachments(message_id, data, files, []),
            "flags": int(data.get("flags") or 0) & (CLIENT_MESSAGE_FLAGS | LOADING),
            "tts": bool(data.get("tts", False)),
        }
        if data.get("poll"):
            fields["poll"] = copy.deepcopy(data["poll"])
        return fields

    def _attachments(
        self,
        message_id: int,
        data: Mapping[str, Any],
        files: Sequence[RecordedFile],
        existing: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        by_index: dict[int, RecordedFile] = {}
        for upload in files:
            found = re.fullmatch(r"files\[(\d+)\]", upload.field)
            if found:
                by_index[int(found.group(1))] = upload
        described = data.get("attachments")
        kept_ids = {str(a["id"]) for a in existing}
        result: list[dict[str, Any]] = []
        if described is None:
            result = copy.deepcopy(existing)
            described = [{"id": i} for i in by_index]
        for item in described:
            if str(item.get("id")) in kept_ids and int(item["id"]) not in by_index:
                result.extend(copy.deepcopy(a) for a in existing if str(a["id"]) == str(item["id"]))
                continue
            new = by_index.get(int(item.get("id", -1)))
            if new is None:
                continue
            attachment_id = self.world.ids.next()
            filename = item.get("filename") or new.filename or "file"
            url = (
                f"http://127.0.0.1:{self._port}/attachments/{message_id}/{attachment_id}/{filename}"
            )
            self._files[attachment_id] = new
            attachment = {
                "id": str(attachment_id),
                "filename": filename,
                "size": len(new.data),
                "url": url,
                "proxy_url": url,
                "content_type": new.content_type,
            }
            if item.get("description"):
                attachment["description"] = item["description"]
            result.append(attachment)
        return result

    def _apply_edit(
        self,
        message: dict[str, Any],
        data: Mapping[str, Any],
        files: Sequence[RecordedFile],
        *,
        first_fill: bool = False,
    ) -> None:
        if "content" in data:
            message["content"] = data["content"] or ""
        if "embeds" in data:
            message["embeds"] = _embeds(data["embeds"])
        if "components" in data:
            message["components"] = _with_component_ids(data["components"] or [])
        if "attachments" in data or files:
            message["attachments"] = self._attachments(
                int(message["id"]), data, files, message["attachments"]
            )
        if data.get("flags") is not None:
            # Ephemerality is fixed at creation; an edit can only toggle the client-settable flags.
            keep = message["flags"] & (EPHEMERAL | HAS_THREAD)
            message["flags"] = keep | (int(data["flags"]) & (CLIENT_MESSAGE_FLAGS & ~EPHEMERAL))
        message["flags"] &= ~LOADING
        if not first_fill:
            message["edited_timestamp"] = now_iso()
        if "content" in data or "allowed_mentions" in data:
            message.update(
                self.world.resolve_mentions(
                    message["content"], data.get("allowed_mentions"), self.bot_user
                )
            )

    def _channel(self, channel_id: str) -> dict[str, Any]:
        channel = self.world.channels.get(_int(channel_id))
        if channel is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        return channel

    def _channel_message(self, p: dict[str, str]) -> dict[str, Any]:
        self._channel(p["channel_id"])
        message = self.world.messages.get(_int(p["message_id"]))
        if (
            message is None
            or message["channel_id"] != p["channel_id"]
            or message["flags"] & EPHEMERAL
        ):
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def _get_channel(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        return 200, copy.deepcopy(self._channel(p["channel_id"]))

    async def _edit_channel(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        channel = self._channel(p["channel_id"])
        data = rec.body if isinstance(rec.body, dict) else {}
        if "name" in data:
            check_thread_name(data["name"])
            channel["name"] = data["name"]
        if channel["type"] in (10, 11, 12):
            for key in ("archived", "locked", "auto_archive_duration", "invitable"):
                if key in data:
                    channel["thread_metadata"][key] = data[key]
            await self.gateway.dispatch("THREAD_UPDATE", channel)
        else:
            for key in ("topic", "nsfw", "rate_limit_per_user"):
                if key in data:
                    channel[key] = data[key]
            await self.gateway.dispatch("CHANNEL_UPDATE", channel)
        return 200, copy.deepcopy(channel)

    async def _history(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        channel = self._channel(p["channel_id"])
        limit = max(1, min(100, int(rec.query.get("limit", 50))))
        messages = self.messages_in(int(channel["id"]))
        if "before" in rec.query:
            found = [m for m in messages if int(m["id"]) < int(rec.query["before"])][-limit:]
        elif "after" in rec.query:
            found = [m for m in messages if int(m["id"]) > int(rec.query["after"])][:limit]
        elif "around" in rec.query:
            around = int(rec.query["around"])
            older = (
                [m for m in messages if int(m["id"]) < around][-(limit // 2) :] if limit > 1 else []
            )
            newer = [m for m in messages if int(m["id"]) >= around][: limit - len(older)]
            found = older + newer
        else:
            found = messages[-limit:]
        # Discord returns newest first, whatever the direction.
        return 200, list(reversed(found))

    async def _post_message(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        channel = self._channel(p["channel_id"])
        data = rec.body if isinstance(rec.body, dict) else {}
        check_message(data, files=len(rec.files), creating=True)
        channel_id = int(channel["id"])
        referenced = None
        extra: dict[str, Any] = {}
        reference = data.get("message_reference")
        if reference:
            referenced = self.world.messages.get(_int(str(reference.get("message_id", "0"))))
            if referenced is None or referenced["flags"] & EPHEMERAL:
                if reference.get("fail_if_not_exists", True):
                    raise DiscordError(
                        400,
                        50035,
                        "Invalid Form Body",
                        {
                            "message_reference": {
                                "_errors": [
                                    {
                                        "code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                                        "message": "Unknown message",
                                    }
                                ]
                            }
                        },
                    )
                referenced = None
            else:
                extra["message_reference"] = {
                    "type": 0,
                    "message_id": referenced["id"],
                    "channel_id": referenced["channel_id"],
                    "guild_id": str(self.guild_id),
                }
                extra["referenced_message"] = copy.deepcopy(referenced)
        if data.get("nonce") is not None:
            extra["nonce"] = data["nonce"]
        message_id = self.world.ids.next()
        fields = self._message_fields(message_id, data, rec.files)
        fields["flags"] &= ~(EPHEMERAL | LOADING)  # Only interaction responses can be ephemeral.
        message = self.world.message(
            channel_id=channel_id,
            author=self.bot_user,
            message_id=message_id,
            kind=19 if referenced is not None else 0,
            **fields,
            **extra,
        )
        message.update(
            self.world.resolve_mentions(
                message["content"], data.get("allowed_mentions"), self.bot_user, referenced
            )
        )
        rec.message_id = message_id
        self.channel_posts.append(rec)
        self._dispatch_soon("MESSAGE_CREATE", message)
        return 200, copy.deepcopy(message)

    async def _get_message(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        return 200, copy.deepcopy(self._channel_message(p))

    async def _edit_message(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        message = self._channel_message(p)
        if int(message["author"]["id"]) != self.bot_user.id:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        data = rec.body if isinstance(rec.body, dict) else {}
        check_message(data, files=len(rec.files), creating=False)
        self._apply_edit(message, data, rec.files)
        rec.message_id = int(message["id"])
        self.edits.append(rec)
        self._dispatch_soon("MESSAGE_UPDATE", message)
        return 200, copy.deepcopy(message)

    async def _delete_message(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        message = self._channel_message(p)
        await self._forget_message(message)
        rec.message_id = int(message["id"])
        self.deletes.append(rec)
        return 204, None

    async def _forget_message(self, message: dict[str, Any]) -> None:
        del self.world.messages[int(message["id"])]
        if not message["flags"] & EPHEMERAL:
            self._dispatch_soon(
                "MESSAGE_DELETE",
                {
                    "id": message["id"],
                    "channel_id": message["channel_id"],
                    "guild_id": str(self.guild_id),
                },
            )

    # ------------------------------------------------------------ REST: threads, reactions, misc

    async def _thread_from_message(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        channel = self._channel(p["channel_id"])
        if channel["type"] not in (0, 5):
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        message = self._channel_message(p)
        if message["flags"] & HAS_THREAD:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        data = rec.body if isinstance(rec.body, dict) else {}
        check_thread_name(data.get("name"))
        # A thread started from a message shares the message's id.
        thread = self.world.add_thread(
            parent_id=int(channel["id"]),
            name=data["name"],
            owner_id=self.bot_user.id,
            thread_id=int(message["id"]),
            kind=10 if channel["type"] == 5 else 11,
            auto_archive_duration=int(data.get("auto_archive_duration") or 1440),
        )
        message["flags"] |= HAS_THREAD
        message["thread"] = copy.deepcopy(thread)
        return await self._thread_created(rec, thread)

    async def _thread_without_message(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        channel = self._channel(p["channel_id"])
        if channel["type"] not in (0, 5):
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        data = rec.body if isinstance(rec.body, dict) else {}
        check_thread_name(data.get("name"))
        kind = int(data.get("type") or 12)  # Discord's default here is a private thread.
        if kind not in (10, 11, 12):
            raise DiscordError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "type": {
                        "_errors": [
                            {
                                "code": "BASE_TYPE_CHOICES",
                                "message": f"Value must be one of (10, 11, 12), not {kind}.",
                            }
                        ]
                    }
                },
            )
        thread = self.world.add_thread(
            parent_id=int(channel["id"]),
            name=data["name"],
            owner_id=self.bot_user.id,
            kind=kind,
            auto_archive_duration=int(data.get("auto_archive_duration") or 1440),
            invitable=bool(data.get("invitable", True)),
        )
        return await self._thread_created(rec, thread)

    async def _thread_created(self, rec: Payload, thread: dict[str, Any]) -> tuple[int, Any]:
        self.thread_requests.append(rec)
        self.threads.append(copy.deepcopy(thread))
        member = {
            "id": thread["id"],
            "user_id": str(self.bot_user.id),
            "join_timestamp": now_iso(),
            "flags": 0,
        }
        await self.gateway.dispatch(
            "THREAD_CREATE", {**thread, "newly_created": True, "member": member}
        )
        return 201, {**copy.deepcopy(thread), "member": member}

    def _emoji(self, raw: str) -> dict[str, Any]:
        if ":" in raw:
            name, _, emoji_id = raw.partition(":")
            return {"id": emoji_id, "name": name, "animated": False}
        return {"id": None, "name": raw}

    async def _add_reaction(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        message = self._channel_message(p)
        emoji = self._emoji(p["emoji"])
        reaction = next((r for r in message["reactions"] if r["emoji"] == emoji), None)
        if reaction is None:
            message["reactions"].append(
                {
                    "emoji": emoji,
                    "count": 1,
                    "me": True,
                    "me_burst": False,
                    "burst_colors": [],
                    "count_details": {"burst": 0, "normal": 1},
                }
            )
        elif not reaction["me"]:
            reaction["count"] += 1
            reaction["me"] = True
            reaction["count_details"]["normal"] += 1
        self.reactions.append(rec)
        await self.gateway.dispatch(
            "MESSAGE_REACTION_ADD",
            {
                "user_id": str(self.bot_user.id),
                "channel_id": message["channel_id"],
                "message_id": message["id"],
                "guild_id": str(self.guild_id),
                "member": self.world.member_payload(self.bot_user),
                "emoji": emoji,
                "message_author_id": message["author"]["id"],
                "burst": False,
                "burst_colors": [],
                "type": 0,
            },
        )
        return 204, None

    async def _remove_reaction(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        message = self._channel_message(p)
        emoji = self._emoji(p["emoji"])
        reaction = next((r for r in message["reactions"] if r["emoji"] == emoji and r["me"]), None)
        if reaction is not None:
            reaction["count"] -= 1
            reaction["me"] = False
            if reaction["count"] <= 0:
                message["reactions"].remove(reaction)
            await self.gateway.dispatch(
                "MESSAGE_REACTION_REMOVE",
                {
                    "user_id": str(self.bot_user.id),
                    "channel_id": message["channel_id"],
                    "message_id": message["id"],
                    "guild_id": str(self.guild_id),
                    "emoji": emoji,
                    "burst": False,
                    "type": 0,
                },
            )
        self.reactions.append(rec)
        return 204, None

    async def _typing(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        self._channel(p["channel_id"])
        self.typing.append(rec)
        return 204, None

    async def _join_thread(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        if not self.world.is_thread(_int(p["channel_id"])):
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        return 204, None

    def _guild(self, p: dict[str, str]) -> None:
        if _int(p["guild_id"]) != self.guild_id:
            raise DiscordError(404, 10004, "Unknown Guild")

    async def _get_guild(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        self._guild(p)
        guild = self.world.guild_payload()
        for key in (
            "members",
            "channels",
            "threads",
            "presences",
            "voice_states",
            "joined_at",
            "large",
            "member_count",
            "stage_instances",
            "guild_scheduled_events",
            "soundboard_sounds",
        ):
            guild.pop(key, None)
        return 200, guild

    async def _get_guild_channels(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        self._guild(p)
        return 200, [
            copy.deepcopy(c) for c in self.world.channels.values() if c["type"] not in (10, 11, 12)
        ]

    async def _get_member(self, rec: Payload, p: dict[str, str]) -> tuple[int, Any]:
        self._guild(p)
        user = self.world.users.get(_int(p["user_id"]))
        if user is None:
            raise DiscordError(404, 10007, "Unknown Member")
        return 200, self.world.member_payload(user)


def _int(value: str) -> int:
    """Parse a snowflake from a URL; anything else is an unknown id (0)."""
    return int(value) if value.isdigit() else 0


def _guess_type(value: Any) -> int:
    """Return the option type Discord would use for a Python value (unsynced commands only)."""
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    if isinstance(value, FakeUser):
        return 6
    return 3


def _check_option_value(option: Mapping[str, Any], value: Any) -> None:
    """Refuse what Discord's client would not let a user submit."""
    kind = option["type"]
    name = option["name"]
    types: dict[int, type | tuple[type, ...]] = {3: str, 4: int, 5: bool, 10: (int, float)}
    expected = types.get(kind)
    if expected is not None and (
        not isinstance(value, expected) or (kind != 5 and isinstance(value, bool))
    ):
        raise ValueError(f"option {name!r} is type {kind}; {value!r} does not fit")
    choices = option.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise ValueError(f"option {name!r} only takes {[c['value'] for c in choices]}")
    too_short = kind == 3 and len(value) < option.get("min_length", 0)
    if too_short or (kind == 3 and len(value) > option.get("max_length", 6000)):
        raise ValueError(f"option {name!r}: length {len(value)} is out of range")
    if kind in (4, 10):
        low, high = option.get("min_value"), option.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"option {name!r}: {value} is out of range")


def _embeds(embeds: Any) -> list[dict[str, Any]]:
    """Return embeds as Discord stores them (type "rich" unless given)."""
    return [{"type": "rich", **copy.deepcopy(e)} for e in embeds or []]


def _with_component_ids(components: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return a copy of the components with Discord's numeric ids filled in where missing."""
    result = [dict(copy.deepcopy(c)) for c in components]
    used = {c["id"] for c in walk_components(result) if isinstance(c.get("id"), int)}
    next_id = 1
    for component in walk_components(result):
        if "id" not in component:
            while next_id in used:
                next_id += 1
            # walk_components yields the very dicts of the deep copy, so they can be filled in.
            cast(dict[str, Any], component)["id"] = next_id
            used.add(next_id)
    return result
