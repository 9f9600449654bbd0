"""A real discord.py bot against the local fake Discord: commands, components, threads, faults."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

from tests.fake_discord import FakeDiscord
from tests.fake_discord.gateway import INTENT_GUILD_MESSAGES, INTENT_MESSAGE_CONTENT

T = TypeVar("T")

pytestmark = [
    # An unclosed aiohttp session or transport shows up as a ResourceWarning: make it a failure.
    pytest.mark.filterwarnings("error::ResourceWarning"),
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.timeout(30),
]

TOPICS = ["Elections", "Electricity prices", "Energy", "Trade", "Education"]
NO_PINGS: dict[str, list[str]] = {"parse": []}


class EchoView(discord.ui.View):
    """The button under an /echo answer."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Details", custom_id="echo:details")
    async def details(
        self, interaction: discord.Interaction, button: discord.ui.Button[EchoView]
    ) -> None:
        """Answer only the clicking user."""
        await interaction.response.send_message(
            f"Details for {interaction.user.name}", ephemeral=True
        )


class PickView(discord.ui.View):
    """A select menu whose choice rewrites the message (callback type 7)."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.select(
        custom_id="pick:menu", options=[discord.SelectOption(label=x) for x in ("red", "blue")]
    )
    async def menu(
        self, interaction: discord.Interaction, select: discord.ui.Select[PickView]
    ) -> None:
        """Show the choice in place of the menu."""
        await interaction.response.edit_message(content=f"You picked {select.values[0]}", view=None)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    """A one-field modal."""

    comment: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Comment", custom_id="fb:comment"
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Thank the user, quoting the comment."""
        await interaction.response.send_message(f"Thanks: {self.comment.value}", ephemeral=True)


@app_commands.command(name="echo", description="Echo text back after thinking.")
@app_commands.describe(text="What to echo")
async def echo(interaction: discord.Interaction, text: str) -> None:
    """Defer, then follow up with an embed and a button."""
    await interaction.response.defer(thinking=True)
    await interaction.followup.send(
        f"You said: {text}", embed=discord.Embed(title="Echo", description=text), view=EchoView()
    )


async def topic_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Offer the topics that start with what was typed."""
    return [
        app_commands.Choice(name=t, value=t)
        for t in TOPICS
        if t.lower().startswith(current.lower())
    ]


@app_commands.command(name="topic", description="Pick a topic.")
@app_commands.autocomplete(name=topic_choices)
async def topic(interaction: discord.Interaction, name: str) -> None:
    """Confirm the chosen topic."""
    await interaction.response.send_message(f"Topic: {name}")


@app_commands.command(name="discuss", description="Open a thread about a title.")
async def discuss(interaction: discord.Interaction, title: str) -> None:
    """Answer, then open a thread on the answer and greet the user in it."""
    await interaction.response.send_message(f"Let's discuss: {title}")
    message = await interaction.original_response()
    thread = await message.create_thread(name=title)
    await thread.send(f"Thread for {interaction.user.mention}")


@app_commands.command(name="reindex", description="Admins only.")
@app_commands.default_permissions(manage_guild=True)
async def reindex(interaction: discord.Interaction) -> None:
    """Check Manage Server again at run time, as the real bot must."""
    allowed = interaction.permissions.manage_guild
    await interaction.response.send_message(
        "Re-indexing." if allowed else "Admins only.", ephemeral=True
    )


@app_commands.command(name="feedback", description="Leave feedback.")
async def feedback(interaction: discord.Interaction) -> None:
    """Open the feedback modal."""
    await interaction.response.send_modal(FeedbackModal())


@app_commands.command(name="pick", description="Pick a colour.")
async def pick(interaction: discord.Interaction) -> None:
    """Offer a select menu."""
    await interaction.response.send_message("Pick one", view=PickView())


@app_commands.command(name="progress", description="Report progress by editing.")
async def progress(interaction: discord.Interaction) -> None:
    """Defer privately, edit the progress message twice, then post a public report."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    status = await interaction.followup.send("Queued", wait=True)
    await status.edit(content="Running")
    await interaction.edit_original_response(content="Done")
    await interaction.followup.send("Report: 3 articles")


@app_commands.command(name="slow", description="Answers after the deadline.")
async def slow(interaction: discord.Interaction) -> None:
    """Respond too late on purpose."""
    await asyncio.sleep(0.4)
    await interaction.response.send_message("finally")


team = app_commands.Group(name="team", description="Team tools.")


@team.command(name="greet", description="Greet a member a few times.")
async def greet(interaction: discord.Interaction, who: discord.Member, times: int = 1) -> None:
    """Greet `who` by name, resolved from the interaction's data."""
    await interaction.response.send_message(" ".join([f"Hi {who.name}!"] * times))


COMMANDS: list[app_commands.Command[Any, Any, Any] | app_commands.Group] = [echo, topic, discuss]
COMMANDS += [reindex, feedback, pick, progress, slow, team]


class SmokeBot(commands.Bot):
    """A minimal bot exercising what Readout's bot needs from Discord."""

    def __init__(self, guild_id: int, *, message_content: bool = True) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            # READY waits this long after the last GUILD_CREATE; 2 s by default.
            guild_ready_timeout=0.05,
        )
        self.guild_id = guild_id
        self.errors: list[BaseException] = []

    async def setup_hook(self) -> None:
        """Register the commands on the test guild and sync them."""
        guild = discord.Object(self.guild_id)
        for command in COMMANDS:
            self.tree.add_command(command, guild=guild)
        self.tree.on_error = self.on_tree_error  # type: ignore[method-assign]  # the documented hook
        await self.tree.sync(guild=guild)

    async def on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Keep command errors for the test to inspect."""
        self.errors.append(error.__cause__ or error)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """Keep event errors for the test to inspect."""
        import sys

        self.errors.append(sys.exc_info()[1] or RuntimeError(event_method))

    async def on_message(self, message: discord.Message) -> None:
        """Answer in threads, and when mentioned in a channel."""
        if message.author.bot:
            return
        if isinstance(message.channel, discord.Thread):
            await message.channel.send(f"Heard: {message.content}")
        elif self.user is not None and self.user in message.mentions:
            await message.reply(f"Hello {message.author.mention}")


@contextlib.asynccontextmanager
async def running(bot: SmokeBot, fake: FakeDiscord) -> AsyncIterator[SmokeBot]:
    """Start the bot against the fake, wait for READY, and close it cleanly afterwards."""
    runner = asyncio.create_task(bot.start(fake.token))
    ready = asyncio.create_task(bot.wait_until_ready())
    try:
        done, _ = await asyncio.wait(
            {runner, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            if runner.done():
                runner.result()  # Raises the login/connect error.
            raise AssertionError(f"the bot never became ready; {fake.summary()}")
        yield bot
    finally:
        ready.cancel()
        await bot.close()
        await asyncio.wait_for(runner, 10)


async def eventually(probe: Callable[[], T | None], timeout: float = 2.0) -> T:
    """Poll client-side state (which the fake cannot observe) until `probe` returns something."""
    deadline = time.monotonic() + timeout
    while (found := probe()) is None:
        if time.monotonic() > deadline:
            raise AssertionError("client-side state never appeared")
        await asyncio.sleep(0.01)
    return found


def leftover_tasks() -> list[asyncio.Task[Any]]:
    """Return tasks other than the current one that are still pending."""
    return [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """Run a fake Discord; fail the test on unknown routes, rejected requests or leftover tasks."""
    async with FakeDiscord(heartbeat_interval=1000) as server:
        yield server
        assert server.problems() == []
    await asyncio.sleep(0)  # Let finished callbacks run before counting leftovers.
    assert leftover_tasks() == []


@pytest_asyncio.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[SmokeBot]:
    """Run the smoke bot against the fake; fail the test if a command or event raised."""
    async with running(SmokeBot(fake.guild_id), fake) as client:
        yield client
        assert client.errors == []


@pytest.mark.asyncio
async def test_login_identify_and_sync(fake: FakeDiscord, bot: SmokeBot) -> None:
    assert len(fake.identifies) == 1
    assert fake.intents & INTENT_MESSAGE_CONTENT and fake.intents & INTENT_GUILD_MESSAGES
    # The client asked for transport compression and could read what the fake compressed.
    expected = discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
    assert [c.compress for c in fake.connections] == [expected]
    assert fake.connections[0].binary_frames >= 2  # READY and GUILD_CREATE at least
    assert fake.gateway.heartbeats >= 1
    synced = {c["name"]: c for c in fake.synced_commands(fake.guild_id)}
    assert set(synced) == {c.name for c in COMMANDS} and len(synced) == 9
    assert fake.synced_commands(None) == []
    (text_option,) = synced["echo"]["options"]
    assert {"name": "text", "type": 3, "required": True}.items() <= text_option.items()
    assert synced["topic"]["options"][0]["autocomplete"] is True
    assert synced["reindex"]["default_member_permissions"] == str(1 << 5)
    guild = bot.get_guild(fake.guild_id)
    assert guild is not None and isinstance(guild.get_channel(fake.channel_id), discord.TextChannel)
    admin_role = guild.get_role(fake.admin_role_id)
    assert admin_role is not None and admin_role.permissions.manage_guild
    assert (
        bot.user is not None
        and bot.user.id == fake.bot_user.id
        and bot.application_id == fake.application_id
    )


@pytest.mark.asyncio
async def test_slash_defer_then_followup_with_embed_and_button(
    fake: FakeDiscord, bot: SmokeBot
) -> None:
    handle = await fake.send_slash("echo", {"text": "hello world"})
    response = await handle.wait_response()
    assert response["type"] == 5
    (followup,) = await handle.wait_followups(1)
    assert followup["content"] == "You said: hello world"
    assert (
        followup["embeds"][0]["title"] == "Echo"
        and followup["embeds"][0]["description"] == "hello world"
    )
    button = followup["components"][0]["components"][0]
    assert (
        button["type"] == 2
        and button["custom_id"] == "echo:details"
        and button["label"] == "Details"
    )
    # The first follow-up after a thinking defer fills the loading message instead of adding one.
    original = handle.original
    assert original is not None and original["id"] == str(followup.message_id)
    assert (
        original["flags"] & (1 << 7) == 0 and original["embeds"][0]["description"] == "hello world"
    )
    assert [m["id"] for m in fake.messages_in(fake.channel_id)] == [original["id"]]


@pytest.mark.asyncio
async def test_button_click_answers_ephemerally(fake: FakeDiscord, bot: SmokeBot) -> None:
    handle = await fake.send_slash("echo", {"text": "click me"})
    await handle.wait_followups(1)
    assert handle.original is not None
    click = await fake.click_button(handle.original, "echo:details", user=fake.admin)
    response = await click.wait_response()
    assert response["type"] == 4
    assert response["data"]["flags"] & 64
    assert response["data"]["content"] == f"Details for {fake.admin.username}"
    # An ephemeral answer is not part of the channel.
    assert len(fake.messages_in(fake.channel_id)) == 1
    with pytest.raises(LookupError):
        await fake.click_button(handle.original, "no-such-button")


@pytest.mark.asyncio
async def test_autocomplete_returns_the_bots_choices(fake: FakeDiscord, bot: SmokeBot) -> None:
    choices = await fake.autocomplete("topic", {"name": "ele"}, focused="name")
    assert choices == [
        {"name": "Elections", "value": "Elections"},
        {"name": "Electricity prices", "value": "Electricity prices"},
    ]
    assert await fake.autocomplete("topic", {"name": "zzz"}, focused="name") == []
    assert fake.callbacks[-1]["type"] == 8


@pytest.mark.asyncio
async def test_thread_creation_and_replies_in_the_thread(fake: FakeDiscord, bot: SmokeBot) -> None:
    handle = await fake.send_slash("discuss", {"title": "Energy prices"}, user=fake.member)
    (thread,) = await fake.wait_threads(1)
    thread_id = int(thread["id"])
    assert thread["name"] == "Energy prices" and thread["parent_id"] == str(fake.channel_id)
    assert handle.original is not None and thread_id == int(handle.original["id"])
    # THREAD_CREATE reached the client: the thread is in its cache.
    assert isinstance(await eventually(lambda: bot.get_channel(thread_id)), discord.Thread)
    (greeting,) = await fake.wait_channel_messages(thread_id, 1)
    assert greeting["content"] == f"Thread for {fake.member.mention}"
    assert greeting["mentions"] == []
    # A user's follow-up in the thread (MESSAGE_CREATE) gets an answer in the thread.
    await fake.send_message(thread_id, "What changed since May?", author=fake.member)
    messages = await fake.wait_channel_messages(thread_id, 2)
    assert messages[-1]["content"] == "Heard: What changed since May?"


@pytest.mark.asyncio
async def test_mention_in_a_channel_gets_a_reply(fake: FakeDiscord, bot: SmokeBot) -> None:
    asked = await fake.send_message(fake.channel_id, f"{fake.bot_user.mention} are you there?")
    (reply,) = await fake.wait_channel_messages(fake.channel_id, 1)
    assert reply["content"] == f"Hello {fake.member.mention}"
    assert reply["message_reference"]["message_id"] == asked["id"]
    assert fake.channel_posts[-1]["allowed_mentions"] == NO_PINGS
    assert (
        reply["mentions"] == []
    )  # AllowedMentions.none(): not even the replied-to user is pinged.


@pytest.mark.asyncio
async def test_rate_limited_followup_is_retried_and_lands_once(
    fake: FakeDiscord, bot: SmokeBot
) -> None:
    fake.rate_limit_next("POST /webhooks/*", retry_after=0.3)
    started = time.monotonic()
    handle = await fake.send_slash("echo", {"text": "patience"})
    (followup,) = await handle.wait_followups(1)
    assert time.monotonic() - started >= 0.3
    (limited,) = fake.rate_limited
    assert limited.route == "/webhooks/{application_id}/{token}" and limited.status == 429
    assert limited["content"] == followup["content"] == "You said: patience"
    await asyncio.sleep(0.2)  # A duplicate would arrive now.
    assert len(handle.followups) == 1 and len(fake.followups) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("abrupt", [False, True], ids=["close-4000", "tcp-drop"])
async def test_dropped_gateway_resumes_and_replays(
    fake: FakeDiscord, bot: SmokeBot, abrupt: bool
) -> None:
    await fake.drop_gateway(abrupt=abrupt, hold=True)
    # Sent while the client is away: it must come back through RESUME's replay.
    handle = await fake.send_slash("echo", {"text": "still there?"})
    fake.release_gateway()
    await fake.wait_resumed()
    (followup,) = await handle.wait_followups(1)
    assert followup["content"] == "You said: still there?"
    assert len(fake.identifies) == 1 and len(fake.resumes) == 1
    assert fake.gateway.replayed >= 1
    # The client came back through the READY's resume_gateway_url.
    assert [c.path for c in fake.connections] == ["/gateway", "/resume"]
    after = await fake.send_slash("echo", {"text": "and now?"})
    assert (await after.wait_followups(1))[0]["content"] == "You said: and now?"


@pytest.mark.asyncio
async def test_allowed_mentions_none_reaches_every_payload(
    fake: FakeDiscord, bot: SmokeBot
) -> None:
    handle = await fake.send_slash("echo", {"text": f"@everyone look <@&{fake.admin_role_id}>"})
    (followup,) = await handle.wait_followups(1)
    assert followup["allowed_mentions"] == NO_PINGS
    assert handle.original is not None
    assert handle.original["mention_everyone"] is False and handle.original["mention_roles"] == []
    click = await fake.click_button(handle.original, "echo:details")
    assert (await click.wait_response())["data"]["allowed_mentions"] == NO_PINGS
    # Control: the same content with pings allowed does ping, so the check above can fail.
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send(
        "@everyone control", allowed_mentions=discord.AllowedMentions(everyone=True)
    )
    stored = fake.message(sent.id)
    assert stored is not None and stored["mention_everyone"] is True


@pytest.mark.asyncio
async def test_admin_only_command_is_hidden_from_members_and_checked_at_run_time(
    fake: FakeDiscord, bot: SmokeBot
) -> None:
    with pytest.raises(PermissionError):
        await fake.send_slash("reindex", user=fake.member)
    overridden = await fake.send_slash("reindex", user=fake.member, bypass_permissions=True)
    assert (await overridden.wait_response())["data"]["content"] == "Admins only."
    admin = await fake.send_slash("reindex", user=fake.admin)
    response = await admin.wait_response()
    assert response["data"]["content"] == "Re-indexing." and response["data"]["flags"] & 64


@pytest.mark.asyncio
async def test_modal_round_trip(fake: FakeDiscord, bot: SmokeBot) -> None:
    handle = await fake.send_slash("feedback")
    response = await handle.wait_response()
    assert response["type"] == 9 and response["data"]["title"] == "Feedback"
    submitted = await fake.submit_modal(handle, {"fb:comment": "Great answers"})
    answer = await submitted.wait_response()
    assert answer["data"]["content"] == "Thanks: Great answers" and answer["data"]["flags"] & 64


@pytest.mark.asyncio
async def test_limits_unknown_routes_and_late_responses_are_reported(
    fake: FakeDiscord, bot: SmokeBot
) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send("x" * 2001)
    assert too_long.value.status == 400 and too_long.value.code == 50035
    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/nowhere/{thing}", thing=1))
    assert [p.path for p in fake.unknown_routes] == ["/nowhere/1"]
    fake.interaction_deadline = 0.2
    handle = await fake.send_slash("slow")
    await fake.wait_for(lambda: handle.rejected or None, what="the late response")
    await fake.wait_for(lambda: bot.errors or None, what="the bot's error")
    assert handle.response is None and handle.rejected[0].response["code"] == 10062
    (error,) = bot.errors
    assert isinstance(error, discord.NotFound) and error.code == 10062
    problems = fake.problems()
    assert len(problems) == 4 and "never answered" in problems[-1]
    # Expected here; the fixtures fail any other test that leaves these behind.
    bot.errors.clear()
    fake.unknown_routes.clear()
    fake.rejected.clear()
    fake.interaction_deadline = 3600


@pytest.mark.asyncio
async def test_progress_edits_and_the_ephemeral_defer_quirk(
    fake: FakeDiscord, bot: SmokeBot
) -> None:
    handle = await fake.send_slash("progress", user=fake.admin)
    assert (await handle.wait_response())["data"]["flags"] & 64
    await handle.wait_followups(2)
    edits = await handle.wait_edits(2)
    assert [e["content"] for e in edits] == ["Running", "Done"]
    assert [e.path.rsplit("/", 1)[-1] for e in edits] == [str(edits[0].message_id), "@original"]
    status, report = handle.messages
    # The first follow-up filled the private "thinking" message: it stayed ephemeral.
    assert status["id"] == str(edits[0].message_id) == str(edits[1].message_id)
    assert status["content"] == "Done" and status["flags"] & 64 and status["edited_timestamp"]
    # Later follow-ups choose for themselves: this one is public.
    assert report["content"] == "Report: 3 articles" and not report["flags"] & 64
    assert [m["id"] for m in fake.messages_in(fake.channel_id)] == [report["id"]]


@pytest.mark.asyncio
async def test_subcommand_with_typed_and_resolved_options(fake: FakeDiscord, bot: SmokeBot) -> None:
    handle = await fake.send_slash("team greet", {"who": fake.admin, "times": 2})
    response = await handle.wait_response()
    name = fake.admin.username
    assert response["data"]["content"] == f"Hi {name}! Hi {name}!"
    (sub,) = handle.payload["data"]["options"]
    assert sub["type"] == 1 and [o["type"] for o in sub["options"]] == [6, 4]
    with pytest.raises(ValueError):
        await fake.send_slash("team greet", {"who": fake.admin, "times": "2"})
    with pytest.raises(LookupError):
        await fake.send_slash("team wave", {})


@pytest.mark.asyncio
async def test_select_menu_updates_its_message(fake: FakeDiscord, bot: SmokeBot) -> None:
    handle = await fake.send_slash("pick")
    await handle.wait_response()
    assert handle.original is not None
    with pytest.raises(ValueError):
        await fake.select(handle.original, "pick:menu", ["green"])
    chosen = await fake.select(handle.original, "pick:menu", ["blue"])
    assert (await chosen.wait_response())["type"] == 7
    assert chosen.original is not None and chosen.original["id"] == handle.original["id"]
    assert chosen.original["content"] == "You picked blue" and chosen.original["components"] == []


@pytest.mark.asyncio
async def test_rest_surface_a_bot_uses_directly(fake: FakeDiscord, bot: SmokeBot) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel) and bot.user is not None
    async with channel.typing():
        sent = await channel.send(
            "see https://example.com/a", file=discord.File(io.BytesIO(b"report"), "r.txt")
        )
    assert len(fake.typing) >= 1
    assert fake.channel_posts[-1].files[0].data == b"report"
    assert sent.attachments[0].filename == "r.txt" and await sent.attachments[0].read() == b"report"
    assert fake.link_previews(fake.message(sent.id) or {}) == ["https://example.com/a"]
    quiet = await channel.send("see https://example.com/b", suppress_embeds=True)
    assert fake.link_previews(fake.message(quiet.id) or {}) == []
    await sent.add_reaction("👍")
    assert (fake.message(sent.id) or {})["reactions"][0]["emoji"]["name"] == "👍"
    await sent.remove_reaction("👍", bot.user)
    assert (fake.message(sent.id) or {})["reactions"] == []
    edited = await sent.edit(content="edited")
    assert (
        edited.edited_at is not None and (await channel.fetch_message(sent.id)).content == "edited"
    )
    assert [m.id async for m in channel.history(limit=10)] == [quiet.id, sent.id]
    assert [m.id async for m in channel.history(limit=10, oldest_first=True)] == [sent.id, quiet.id]
    thread = await channel.create_thread(name="side", type=discord.ChannelType.public_thread)
    assert fake.threads[-1]["id"] == str(thread.id) and fake.threads[-1]["type"] == 11
    await sent.delete()
    assert fake.message(sent.id) is None
    with pytest.raises(discord.NotFound):
        await channel.fetch_message(sent.id)
    fake.rejected.clear()  # The 404 just above was the point.


@pytest.mark.asyncio
async def test_reconnect_request_and_invalid_session(fake: FakeDiscord, bot: SmokeBot) -> None:
    await fake.request_reconnect()
    await fake.wait_resumed()

    async def identify_now(shard_id: int | None, *, initial: bool = False) -> None:
        """Skip the 5 s pause discord.py takes before every IDENTIFY after the first."""

    bot.before_identify_hook = identify_now  # type: ignore[method-assign]  # documented hook
    ready_again = asyncio.create_task(bot.wait_for("ready", timeout=5))
    await fake.invalidate_session(resumable=False)
    await ready_again  # A fresh READY, not a RESUMED.
    assert len(fake.identifies) == 2 and len(fake.resumes) == 1
    handle = await fake.send_slash("echo", {"text": "fresh session"})
    assert (await handle.wait_followups(1))[0]["content"] == "You said: fresh session"
    assert [c.kind for c in fake.connections] == ["identify", "resume", "identify"]


class _ZlibStreamContext:
    """discord.py's zlib-stream decompressor, used when zstandard is missing."""

    COMPRESSION_TYPE = "zlib-stream"

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.context = zlib.decompressobj()

    def decompress(self, data: bytes, /) -> str | None:
        """Return a whole message once the Z_SYNC_FLUSH suffix arrives."""
        self.buffer.extend(data)
        if len(data) < 4 or data[-4:] != b"\x00\x00\xff\xff":
            return None
        message = self.context.decompress(self.buffer)
        self.buffer = bytearray()
        return message.decode("utf-8")


@pytest.mark.asyncio
async def test_zlib_stream_clients_work_too(
    fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    # discord.py picks zstd-stream when zstandard is importable, zlib-stream otherwise.
    monkeypatch.setattr(discord.utils, "_ActiveDecompressionContext", _ZlibStreamContext)
    async with running(SmokeBot(fake.guild_id), fake):
        handle = await fake.send_slash("echo", {"text": "zlib"})
        assert (await handle.wait_followups(1))[0]["content"] == "You said: zlib"
    assert [c.compress for c in fake.connections] == ["zlib-stream"]


@pytest.mark.asyncio
async def test_without_message_content_intent_only_mentions_are_readable(fake: FakeDiscord) -> None:
    async with running(SmokeBot(fake.guild_id, message_content=False), fake) as client:
        assert not fake.intents & INTENT_MESSAGE_CONTENT
        await fake.send_slash("discuss", {"title": "Quiet"})
        (thread,) = await fake.wait_threads(1)
        await fake.send_message(int(thread["id"]), "secret words")
        messages = await fake.wait_channel_messages(int(thread["id"]), 2)
        assert messages[-1]["content"] == "Heard: "  # Discord blanked the content for the bot.
        await fake.send_message(int(thread["id"]), f"{fake.bot_user.mention} visible")
        messages = await fake.wait_channel_messages(int(thread["id"]), 3)
        assert messages[-1]["content"] == f"Heard: {fake.bot_user.mention} visible"
        assert client.errors == []
