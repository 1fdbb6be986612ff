"""Every key is also a command in the palette: typing its name and Enter runs it."""

from __future__ import annotations

from pathlib import Path

from ui_support import ALPHA, make_app, make_store, reopen, settle


async def test_palette_runs_a_key_by_name(tmp_path: Path) -> None:
    app = make_app(make_store(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "j", "enter")  # Tech / Alpha Blog
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"star or unstar")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
    assert reopen(tmp_path).marks(ALPHA).starred == {"a1"}
