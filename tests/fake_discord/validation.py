"""Discord's request limits, enforced with Discord's error codes and error shapes."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .models import IS_COMPONENTS_V2

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
ROWS_MAX = 5
ROW_ITEMS_MAX = 5
CUSTOM_ID_MAX = 100
LABEL_MAX = 80
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
MODAL_TITLE_MAX = 45
COMMANDS_MAX = 100
OPTIONS_MAX = 25
DESCRIPTION_MAX = 100
THREAD_NAME_MAX = 100
# Discord allows lowercase letters of any script, digits, '-', '_' and apostrophes in command names.
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")


class DiscordError(Exception):
    """An error response in Discord's JSON shape: HTTP status, error code, message, field errors."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        """Return the JSON error body."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


class FormErrors:
    """Collect field errors and raise them as one 50035 Invalid Form Body."""

    def __init__(self) -> None:
        self.errors: dict[str, Any] = {}

    def add(self, path: Sequence[str | int], code: str, message: str) -> None:
        """Record an error at a field path such as ("embeds", 0, "description")."""
        node = self.errors
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def too_long(self, path: Sequence[str | int], value: Any, limit: int) -> None:
        """Record a length error when `value` is a string longer than `limit`."""
        if isinstance(value, str) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def raise_if_any(self) -> None:
        """Raise the collected errors, if there are any."""
        if self.errors:
            raise DiscordError(400, 50035, "Invalid Form Body", self.errors)


def check_message(body: Mapping[str, Any], *, files: int, creating: bool) -> None:
    """Check a message create/edit body against Discord's limits."""
    errors = FormErrors()
    content = body.get("content")
    errors.too_long(["content"], content, CONTENT_MAX)
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        errors.add(["embeds"], "BASE_TYPE_MAX_LENGTH", f"Must be {EMBEDS_MAX} or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        total += _check_embed(errors, i, embed)
    if total > EMBED_TOTAL_MAX:
        errors.add(
            ["embeds"],
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
        )
    flags = int(body.get("flags") or 0)
    _check_components(errors, body.get("components") or [], v2=bool(flags & IS_COMPONENTS_V2))
    if flags & IS_COMPONENTS_V2 and (content or embeds):
        errors.add(
            ["content"],
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used with IS_COMPONENTS_V2",
        )
    _check_allowed_mentions(errors, body.get("allowed_mentions"))
    errors.raise_if_any()
    has_body = bool(
        (isinstance(content, str) and content.strip())
        or embeds
        or body.get("components")
        or files
        or body.get("sticker_ids")
        or body.get("poll")
    )
    if creating and not has_body:
        raise DiscordError(400, 50006, "Cannot send an empty message")


def _check_embed(errors: FormErrors, i: int, embed: Mapping[str, Any]) -> int:
    """Check one embed and return its size as Discord counts it towards the 6000 total."""
    size = 0
    for key, limit in EMBED_LIMITS.items():
        value = embed.get(key)
        errors.too_long(["embeds", i, key], value, limit)
        size += len(value) if isinstance(value, str) else 0
    url = embed.get("url")
    if url is not None and not re.match(r"^https?://", str(url)):
        errors.add(["embeds", i, "url"], "URL_TYPE_INVALID_URL", "Not a well formed URL.")
    fields = embed.get("fields") or []
    if len(fields) > FIELDS_MAX:
        errors.add(
            ["embeds", i, "fields"],
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {FIELDS_MAX} or fewer in length.",
        )
    for j, fld in enumerate(fields):
        for key, limit in (("name", FIELD_NAME_MAX), ("value", FIELD_VALUE_MAX)):
            value = fld.get(key)
            if not isinstance(value, str) or not value:
                errors.add(
                    ["embeds", i, "fields", j, key], "BASE_TYPE_REQUIRED", "This field is required"
                )
                continue
            errors.too_long(["embeds", i, "fields", j, key], value, limit)
            size += len(value)
    footer = (embed.get("footer") or {}).get("text")
    errors.too_long(["embeds", i, "footer", "text"], footer, FOOTER_MAX)
    size += len(footer) if isinstance(footer, str) else 0
    author = (embed.get("author") or {}).get("name")
    errors.too_long(["embeds", i, "author", "name"], author, AUTHOR_MAX)
    size += len(author) if isinstance(author, str) else 0
    return size


def walk_components(components: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Return every component, nested ones included, depth first."""
    found: list[Mapping[str, Any]] = []
    for component in components:
        found.append(component)
        found.extend(walk_components(component.get("components") or []))
        for key in ("component", "accessory"):
            if isinstance(component.get(key), Mapping):
                found.extend(walk_components([component[key]]))
    return found


def _check_components(
    errors: FormErrors, components: Sequence[Mapping[str, Any]], *, v2: bool
) -> None:
    if not v2:
        if len(components) > ROWS_MAX:
            errors.add(
                ["components"], "BASE_TYPE_MAX_LENGTH", f"Must be {ROWS_MAX} or fewer in length."
            )
        for i, row in enumerate(components):
            if row.get("type") != 1:
                errors.add(
                    ["components", i, "type"],
                    "UNION_TYPE_CHOICES",
                    "Top-level components must be action rows without IS_COMPONENTS_V2",
                )
                continue
            items = row.get("components") or []
            selects = [c for c in items if c.get("type") in (3, 5, 6, 7, 8)]
            if not items or len(items) > ROW_ITEMS_MAX or (selects and len(items) > 1):
                errors.add(
                    ["components", i, "components"],
                    "BASE_TYPE_BAD_LENGTH",
                    "An action row holds 1-5 buttons or exactly one select menu.",
                )
    seen: set[str] = set()
    for component in walk_components(components):
        custom_id = component.get("custom_id")
        kind = component.get("type")
        if kind == 2:
            style = component.get("style")
            if style == 5 and not component.get("url"):
                errors.add(
                    ["components"], "BUTTON_COMPONENT_URL_REQUIRED", "A link button needs a url."
                )
            if style not in (5, 6) and not custom_id:
                errors.add(
                    ["components"],
                    "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED",
                    "A non-link button needs a custom_id.",
                )
            errors.too_long(["components", "label"], component.get("label"), LABEL_MAX)
        if kind in (3, 5, 6, 7, 8) and not custom_id:
            errors.add(
                ["components"], "SELECT_COMPONENT_CUSTOM_ID_REQUIRED", "A select needs a custom_id."
            )
        if kind == 3:
            options = component.get("options") or []
            if not 1 <= len(options) <= CHOICES_MAX:
                errors.add(
                    ["components", "options"],
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 25 in length.",
                )
        if custom_id is not None:
            errors.too_long(["components", "custom_id"], custom_id, CUSTOM_ID_MAX)
            if custom_id in seen:
                errors.add(
                    ["components"],
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    f"Component custom id cannot be duplicated: {custom_id}",
                )
            seen.add(custom_id)


def _check_allowed_mentions(errors: FormErrors, allowed: Mapping[str, Any] | None) -> None:
    if allowed is None:
        return
    parse = allowed.get("parse") or []
    for value in parse:
        if value not in ("users", "roles", "everyone"):
            errors.add(
                ["allowed_mentions", "parse"], "ENUM_TYPE_COERCE", f"Value {value!r} is not valid."
            )
    for key in ("users", "roles"):
        if key in parse and allowed.get(key):
            errors.add(
                ["allowed_mentions", key],
                "SET_TYPE_ALREADY_CONTAINS_VALUE",
                f"parse:[{key}] and {key}: [ids] are mutually exclusive.",
            )


def check_choices(data: Mapping[str, Any]) -> None:
    """Check an autocomplete result (callback type 8)."""
    errors = FormErrors()
    choices = data.get("choices")
    if not isinstance(choices, list):
        errors.add(["data", "choices"], "BASE_TYPE_REQUIRED", "This field is required")
        errors.raise_if_any()
        return
    if len(choices) > CHOICES_MAX:
        errors.add(
            ["data", "choices"],
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {CHOICES_MAX} or fewer in length.",
        )
    for i, choice in enumerate(choices):
        name = choice.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= CHOICE_NAME_MAX:
            errors.add(
                ["data", "choices", i, "name"],
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {CHOICE_NAME_MAX} in length.",
            )
        value = choice.get("value")
        if isinstance(value, str):
            errors.too_long(["data", "choices", i, "value"], value, CHOICE_NAME_MAX)
        elif not isinstance(value, int | float) or isinstance(value, bool):
            errors.add(
                ["data", "choices", i, "value"], "BASE_TYPE_REQUIRED", "This field is required"
            )
    errors.raise_if_any()


def check_modal(data: Mapping[str, Any]) -> None:
    """Check a modal (callback type 9)."""
    errors = FormErrors()
    custom_id = data.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        errors.add(["data", "custom_id"], "BASE_TYPE_REQUIRED", "This field is required")
    errors.too_long(["data", "custom_id"], custom_id, CUSTOM_ID_MAX)
    title = data.get("title")
    if not isinstance(title, str) or not 1 <= len(title) <= MODAL_TITLE_MAX:
        errors.add(
            ["data", "title"],
            "BASE_TYPE_BAD_LENGTH",
            f"Must be between 1 and {MODAL_TITLE_MAX} in length.",
        )
    if not 1 <= len(data.get("components") or []) <= ROWS_MAX:
        errors.add(
            ["data", "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
        )
    errors.raise_if_any()


def check_thread_name(name: Any) -> None:
    """Check a thread name."""
    errors = FormErrors()
    if not isinstance(name, str) or not 1 <= len(name) <= THREAD_NAME_MAX:
        errors.add(
            ["name"], "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {THREAD_NAME_MAX} in length."
        )
    errors.raise_if_any()


def check_commands(commands: Any) -> None:
    """Check a bulk-overwrite body of application commands."""
    errors = FormErrors()
    if not isinstance(commands, list):
        errors.add([], "BASE_TYPE_ARRAY", "Must be an array.")
        errors.raise_if_any()
        return
    chat = [c for c in commands if c.get("type", 1) == 1]
    if len(chat) > COMMANDS_MAX:
        errors.add([], "BASE_TYPE_MAX_LENGTH", f"Must be {COMMANDS_MAX} or fewer in length.")
    seen: set[tuple[int, str]] = set()
    for i, command in enumerate(commands):
        kind = command.get("type", 1)
        name = command.get("name")
        key = (kind, str(name))
        if key in seen:
            errors.add(
                [i, "name"],
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {name}",
            )
        seen.add(key)
        if kind == 1:
            _check_chat_command(errors, [i], command)
        elif not isinstance(name, str) or not 1 <= len(name) <= 32:
            errors.add([i, "name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
    errors.raise_if_any()


def _check_chat_command(errors: FormErrors, path: list[str | int], item: Mapping[str, Any]) -> None:
    """Check a chat-input command or option: name, description, option order and choices."""
    name = item.get("name")
    if not isinstance(name, str) or not COMMAND_NAME.match(name) or name != name.lower():
        errors.add(
            [*path, "name"],
            "APPLICATION_COMMAND_INVALID_NAME",
            f"Command name is invalid: {name!r}",
        )
    description = item.get("description")
    if not isinstance(description, str) or not 1 <= len(description) <= DESCRIPTION_MAX:
        errors.add(
            [*path, "description"],
            "BASE_TYPE_BAD_LENGTH",
            f"Must be between 1 and {DESCRIPTION_MAX} in length.",
        )
    options = item.get("options") or []
    if len(options) > OPTIONS_MAX:
        errors.add(
            [*path, "options"], "BASE_TYPE_MAX_LENGTH", f"Must be {OPTIONS_MAX} or fewer in length."
        )
    optional_seen = False
    names: set[str] = set()
    for j, option in enumerate(options):
        where = [*path, "options", j]
        _check_chat_command(errors, where, option)
        if option.get("name") in names:
            errors.add(
                [*where, "name"],
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(str(option.get("name")))
        if option.get("type") in (1, 2):
            continue
        if option.get("required"):
            if optional_seen:
                errors.add(
                    [*where, "required"],
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        choices = option.get("choices") or []
        if len(choices) > CHOICES_MAX:
            errors.add(
                [*where, "choices"],
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {CHOICES_MAX} or fewer in length.",
            )
        if choices and option.get("autocomplete"):
            errors.add(
                [*where, "autocomplete"],
                "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_AND_CHOICES",
                "Autocomplete cannot be set with choices",
            )
