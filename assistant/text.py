"""Text from outside made safe to print: control and bidi characters shown as escapes."""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, zero-width and bidi controls: they move the cursor, clear the
# screen, forge log lines or reorder what a reader sees.
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def escape_controls(text: str, keep: str = "") -> str:
    """`text` with every control character but those in `keep` written as a visible escape."""

    def visible(match: re.Match[str]) -> str:
        char = match.group()
        if char in keep:
            return char
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return CONTROLS.sub(visible, text)
