"""The fake Discord's world: ids, users, one guild with roles and channels, and payload builders."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntFlag
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

# Message flags the fake reads or sets (Discord's values).
SUPPRESS_EMBEDS = 1 << 2
HAS_THREAD = 1 << 5
EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15
# Flags a client may set when it creates or edits a message; Discord drops the rest.
CLIENT_MESSAGE_FLAGS = SUPPRESS_EMBEDS | EPHEMERAL | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2


class Perm(IntFlag):
    """Discord permission bits the fake computes with."""

    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38


ALL_PERMISSIONS = (1 << 51) - 1
EVERYONE_PERMISSIONS = (
    Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.ADD_REACTIONS
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.USE_EXTERNAL_EMOJIS
    | Perm.USE_APPLICATION_COMMANDS
    | Perm.CREATE_PUBLIC_THREADS
    | Perm.CREATE_PRIVATE_THREADS
    | Perm.SEND_MESSAGES_IN_THREADS
)
# The bot may mention @everyone, the worst case: only allowed_mentions stands between a model's
# "@everyone" and a ping, which is what the tests must be able to see.
BOT_PERMISSIONS = (
    EVERYONE_PERMISSIONS | Perm.MANAGE_THREADS | Perm.MANAGE_MESSAGES | Perm.MENTION_EVERYONE
)

USER_MENTION = re.compile(r"<@!?(\d{15,21})>")
ROLE_MENTION = re.compile(r"<@&(\d{15,21})>")
EVERYONE_MENTION = re.compile(r"@(everyone|here)")


def now_iso() -> str:
    """Return the current UTC time in Discord's ISO 8601 form."""
    return dt.datetime.now(dt.UTC).isoformat()


class Snowflakes:
    """Hand out increasing snowflake ids whose timestamps are the current time."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        """Return a new snowflake, later than every one before it."""
        stamp = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(stamp, self._last + 1)
        return self._last


@dataclass
class FakeUser:
    """A Discord user who is also a member of the fake guild."""

    id: int
    username: str
    roles: list[int] = field(default_factory=list)
    bot: bool = False
    global_name: str | None = None
    joined_at: str = field(default_factory=now_iso)

    @property
    def mention(self) -> str:
        """Return the `<@id>` mention string."""
        return f"<@{self.id}>"

    def payload(self) -> dict[str, Any]:
        """Return the user object."""
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
        }


class World:
    """One guild with its members, roles, channels, threads and messages."""

    def __init__(self, *, guild_name: str = "Readout Test Server") -> None:
        self.ids = Snowflakes()
        self.application_id = self.ids.next()
        self.bot = FakeUser(self.application_id, "Readout", bot=True)
        self.guild_id = self.ids.next()
        self.guild_name = guild_name
        self.everyone_role_id = self.guild_id  # Discord gives @everyone the guild's id.
        self.admin_role_id = self.ids.next()
        self.bot_role_id = self.ids.next()
        self.roles: dict[int, dict[str, Any]] = {}
        self._add_role(self.everyone_role_id, "@everyone", int(EVERYONE_PERMISSIONS), position=0)
        self._add_role(self.admin_role_id, "Admin", int(Perm.MANAGE_GUILD), position=1)
        self._add_role(
            self.bot_role_id,
            "Readout",
            int(BOT_PERMISSIONS),
            position=2,
            managed=True,
            tags={"bot_id": str(self.bot.id)},
        )
        self.bot.roles = [self.bot_role_id]
        # The owner has every permission whatever the roles, so tests act as `admin`/`member`.
        self.owner = FakeUser(self.ids.next(), "owner")
        self.admin = FakeUser(self.ids.next(), "alice_admin", roles=[self.admin_role_id])
        self.member = FakeUser(self.ids.next(), "bob_member")
        self.users: dict[int, FakeUser] = {}
        for user in (self.bot, self.owner, self.admin, self.member):
            self.users[user.id] = user
        self.channels: dict[int, dict[str, Any]] = {}
        self.channel_id = self.add_text_channel("general")
        self.messages: dict[int, dict[str, Any]] = {}

    def _add_role(
        self,
        role_id: int,
        name: str,
        permissions: int,
        *,
        position: int,
        managed: bool = False,
        tags: dict[str, Any] | None = None,
    ) -> None:
        role: dict[str, Any] = {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": managed,
            "mentionable": False,
            "flags": 0,
        }
        if tags is not None:
            role["tags"] = tags
        self.roles[role_id] = role

    def add_text_channel(self, name: str) -> int:
        """Create a text channel and return its id."""
        channel_id = self.ids.next()
        self.channels[channel_id] = {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": [],
            "nsfw": False,
            "topic": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "last_message_id": None,
            "flags": 0,
            "default_auto_archive_duration": 1440,
        }
        return channel_id

    def add_user(
        self, username: str, *, admin: bool = False, roles: Iterable[int] = ()
    ) -> FakeUser:
        """Create a guild member and return it."""
        role_ids = list(roles) + ([self.admin_role_id] if admin else [])
        user = FakeUser(self.ids.next(), username, roles=role_ids)
        self.users[user.id] = user
        return user

    def add_thread(
        self,
        *,
        parent_id: int,
        name: str,
        owner_id: int,
        thread_id: int | None = None,
        kind: int = 11,
        auto_archive_duration: int = 1440,
        invitable: bool = True,
    ) -> dict[str, Any]:
        """Create a thread channel under a text channel and return its payload."""
        thread_id = thread_id if thread_id is not None else self.ids.next()
        stamp = now_iso()
        thread: dict[str, Any] = {
            "id": str(thread_id),
            "type": kind,
            "guild_id": str(self.guild_id),
            "parent_id": str(parent_id),
            "owner_id": str(owner_id),
            "name": name,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "flags": 0,
            "applied_tags": [],
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": auto_archive_duration,
                "archive_timestamp": stamp,
                "locked": False,
                "create_timestamp": stamp,
            },
        }
        if kind == 12:
            thread["thread_metadata"]["invitable"] = invitable
        self.channels[thread_id] = thread
        return thread

    def is_thread(self, channel_id: int) -> bool:
        """Return whether a known channel is a thread."""
        return self.channels.get(channel_id, {}).get("type") in (10, 11, 12)

    def threads(self) -> list[dict[str, Any]]:
        """Return every thread channel."""
        return [c for c in self.channels.values() if c["type"] in (10, 11, 12)]

    def permissions(self, user: FakeUser) -> int:
        """Return the user's guild-wide permissions, as Discord computes them without overwrites."""
        if user.id == self.owner.id:
            return ALL_PERMISSIONS
        value = int(self.roles[self.everyone_role_id]["permissions"])
        for role_id in user.roles:
            value |= int(self.roles[role_id]["permissions"])
        return ALL_PERMISSIONS if value & Perm.ADMINISTRATOR else value

    def member_payload(
        self, user: FakeUser, *, with_user: bool = True, permissions: bool = False
    ) -> dict[str, Any]:
        """Return the guild member object, optionally with `user` and `permissions`."""
        member: dict[str, Any] = {
            "roles": [str(r) for r in user.roles],
            "joined_at": user.joined_at,
            "nick": None,
            "avatar": None,
            "banner": None,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            member["user"] = user.payload()
        if permissions:
            member["permissions"] = str(self.permissions(user))
        return member

    def guild_payload(self) -> dict[str, Any]:
        """Return the full GUILD_CREATE payload."""
        members = [self.member_payload(u) for u in self.users.values()]
        return {
            "id": str(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner.id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "features": [],
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "system_channel_id": str(self.channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
            "roles": list(self.roles.values()),
            "emojis": [],
            "stickers": [],
            "joined_at": self.bot.joined_at,
            "large": False,
            "unavailable": False,
            # member_count == len(members) means "fully chunked", so a bot with the members intent
            # does not ask for chunks it already has.
            "member_count": len(members),
            "members": members,
            "channels": [c for c in self.channels.values() if c["type"] not in (10, 11, 12)],
            "threads": self.threads(),
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def message(
        self,
        *,
        channel_id: int,
        author: FakeUser,
        content: str = "",
        embeds: list[dict[str, Any]] | None = None,
        components: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        flags: int = 0,
        kind: int = 0,
        message_id: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Build, store and return a message object."""
        message_id = message_id if message_id is not None else self.ids.next()
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "guild_id": str(self.guild_id),
            "author": author.payload(),
            "content": content,
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "mention_channels": [],
            "attachments": attachments or [],
            "embeds": embeds or [],
            "reactions": [],
            "pinned": False,
            "type": kind,
            "flags": flags,
            "components": components or [],
        }
        # Every author here is a guild member, and guild messages carry the partial member.
        message["member"] = self.member_payload(author, with_user=False)
        message.update(extra)
        self.messages[message_id] = message
        channel = self.channels.get(channel_id)
        if channel is not None and not flags & EPHEMERAL:
            channel["last_message_id"] = str(message_id)
            if channel["type"] in (10, 11, 12):
                channel["message_count"] += 1
                channel["total_message_sent"] += 1
        return message

    def resolve_mentions(
        self,
        content: str,
        allowed: Mapping[str, Any] | None,
        author: FakeUser,
        replied_to: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Return the mention fields Discord would set, honouring `allowed_mentions`."""
        if allowed is None:
            # Without allowed_mentions Discord parses everything in the content.
            parse, users, roles, replied = {"users", "roles", "everyone"}, set(), set(), True
        else:
            parse = set(allowed.get("parse") or [])
            users = {int(u) for u in allowed.get("users") or []}
            roles = {int(r) for r in allowed.get("roles") or []}
            replied = bool(allowed.get("replied_user", False))
        mentioned: list[dict[str, Any]] = []
        for match in USER_MENTION.finditer(content):
            uid = int(match.group(1))
            if uid in self.users and ("users" in parse or uid in users):
                mentioned.append(self.mention_payload(self.users[uid]))
        if replied_to is not None and replied:
            uid = int(replied_to["author"]["id"])
            if uid in self.users:
                mentioned.append(self.mention_payload(self.users[uid]))
        unique = list({m["id"]: m for m in mentioned}.values())
        role_ids = [
            m.group(1)
            for m in ROLE_MENTION.finditer(content)
            if int(m.group(1)) in self.roles and ("roles" in parse or int(m.group(1)) in roles)
        ]
        everyone = (
            "everyone" in parse
            and EVERYONE_MENTION.search(content) is not None
            and bool(self.permissions(author) & Perm.MENTION_EVERYONE)
        )
        return {
            "mentions": unique,
            "mention_roles": sorted(set(role_ids)),
            "mention_everyone": everyone,
        }

    def mention_payload(self, user: FakeUser) -> dict[str, Any]:
        """Return a user object with its partial member, as in a message's `mentions`."""
        return {**user.payload(), "member": self.member_payload(user, with_user=False)}
