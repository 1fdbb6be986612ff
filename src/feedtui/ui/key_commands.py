"""Command-palette commands for the screen's keys, so every key can also be found by name."""

from __future__ import annotations

from collections.abc import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content


class KeyCommands(Provider):
    """Offers each of the screen's key bindings ("Star or unstar the post  s") as a command."""

    _commands: tuple[tuple[str, str], ...] = ()
    """(command text, action) for each binding that has a description."""

    async def startup(self) -> None:
        seen: set[str] = set()
        commands = []
        for key, binding in self.screen._bindings:
            if not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            label = binding.key_display or self.app.get_key_display(binding)
            text = binding.tooltip or binding.description
            commands.append((f"{text}  ({label or key})", binding.action))
        self._commands = tuple(commands)

    async def discover(self) -> Hits:
        for text, action in self._commands:
            yield DiscoveryHit(Content(text), self._run(action), text=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, action in self._commands:
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, Content(text), self._run(action), text=text)

    def _run(self, action: str) -> Callable[[], object]:
        screen = self.screen

        async def run() -> None:
            await screen.run_action(action)

        return run
