"""pi-assistant: a small, private, local-LLM home assistant. The face for skill authors."""

from assistant.llm.base import GenerateOptions, Message
from assistant.skill import Reply, Skill, SkillContext

__all__ = ["GenerateOptions", "Message", "Reply", "Skill", "SkillContext"]
__version__ = "0.1.0"
