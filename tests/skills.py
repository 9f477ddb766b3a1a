"""Small skills for tests of the scheduler and the daemon: each says a fixed text."""

from __future__ import annotations

from collections.abc import Callable

from assistant import Reply, Skill, SkillContext


def saying(
    name: str, text: str = "", *, schedule: str | None = None, then: Callable[[], object] = list
) -> type[Skill]:
    """A skill class named `name` that calls `then` (to count or signal its runs), then says
    `text`; `schedule` is its default schedule."""

    def run(self: Skill, ctx: SkillContext) -> Reply:
        then()
        return Reply(text=text)

    namespace = {"name": name, "default_schedule": schedule, "run": run}
    return type(name.title(), (Skill,), {**namespace, "__doc__": f"Says {text!r}."})
