"""Renders chat messages with the GGUF's own template, and finds the fixed prefix in tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from assistant.llm.base import Message


@dataclass(frozen=True)
class Rendered:
    """A chat turned into prompt tokens, with how many of them are the fixed prefix."""

    tokens: list[int]
    prefix_tokens: int
    stop: list[str]
    stopping_criteria: Any


class ChatTemplate:
    """The model's Jinja chat template, as llama-cpp-python would apply it."""

    def __init__(self, llama: Any) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = llama.metadata["tokenizer.chat_template"]
        # Token texts are only exposed on llama-cpp-python's internal model wrapper.
        eos = llama._model.token_get_text(llama.token_eos())
        bos = llama._model.token_get_text(llama.token_bos())
        stops = [llama.token_eos()]
        self._llama = llama
        self._full = Jinja2ChatFormatter(template, eos, bos, stop_token_ids=stops)
        self._prefix = Jinja2ChatFormatter(
            template, eos, bos, add_generation_prompt=False, stop_token_ids=stops
        )

    def render(self, messages: list[Message], fixed_prefix: int = 0) -> Rendered:
        """Tokenise the chat; the prefix counts only if it renders as a true prefix."""
        full = self._full(messages=cast(Any, messages))
        tokens = self._tokenize(full.prompt, full.added_special)
        prefix_len = 0
        if 0 < fixed_prefix < len(messages):
            head = self._prefix(messages=cast(Any, messages[:fixed_prefix]))
            head_tokens = self._tokenize(head.prompt, head.added_special)
            # Some templates rewrite earlier turns once more turns follow; then no reuse.
            if full.prompt.startswith(head.prompt) and tokens[: len(head_tokens)] == head_tokens:
                prefix_len = len(head_tokens)
        stop = full.stop if isinstance(full.stop, list) else [full.stop] if full.stop else []
        return Rendered(tokens, prefix_len, stop, full.stopping_criteria)

    def render_reply(self, messages: list[Message], reply: str) -> tuple[list[int], list[int]]:
        """Tokens of the chat up to where the assistant answers, and with `reply` as its answer."""
        head = self._full(messages=cast(Any, messages))
        whole = [*messages, Message(role="assistant", content=reply)]
        full = self._prefix(messages=cast(Any, whole))
        return (
            self._tokenize(head.prompt, head.added_special),
            self._tokenize(full.prompt, full.added_special),
        )

    def continuation(self, text: str) -> list[int]:
        """Tokens of `text` written as the start of the assistant's answer."""
        ids: list[int] = self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        return ids

    def _tokenize(self, text: str, added_special: bool) -> list[int]:
        """Tokenise rendered text the way llama-cpp-python's chat handler does."""
        ids: list[int] = self._llama.tokenize(
            text.encode("utf-8"), add_bos=not added_special, special=True
        )
        return ids
