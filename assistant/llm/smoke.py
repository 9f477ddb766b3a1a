"""Generate a few tokens with the bundled model: proves llama.cpp runs on this CPU."""

from __future__ import annotations

import sys

from assistant.llm.base import GenerateOptions
from assistant.llm.local import LocalEngine
from assistant.llm.models import DEFAULT_MODEL, resolve_model


def main() -> int:
    """Print a few generated tokens; a broken build dies here, not in the daemon."""
    engine = LocalEngine(resolve_model(DEFAULT_MODEL), context=256)
    text = engine.generate("Say hello.", GenerateOptions(max_tokens=8))
    engine.close()
    print(f"llama.cpp smoke test ok: {text[:40]!r}")
    return 0 if text.strip() else 1


if __name__ == "__main__":
    sys.exit(main())
