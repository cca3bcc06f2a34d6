"""The dashboard's Events page in Debian's Chromium against a real ``freeride run``: the journal
with filters, entries arriving live over the WebSocket, and a chain shown hop by hop."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_dashboard import ARGS, ARTIFACTS, CHROMIUM, TIMEOUT_MS, _need_browser
from test_run_serves import served_run


def test_events_page_filters_streams_and_shows_a_chain(feeds: tuple[Path, Path]) -> None:
    _need_browser()
    playwright_api = pytest.importorskip("playwright.sync_api")
    _, eurusd = feeds
    env = {  # bars keep coming while the page watches, so entries arrive live
        "FREERIDE_RUN__FEEDS": f'[{{"symbol": "EUR/USD", "interval": "1h", "path": "{eurusd}", '
        '"quantity": 10000}]',
        "FREERIDE_RUN__SPEED": "36000",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    assert CHROMIUM.exists()
    with served_run(env=env) as run, playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(run.url + "/")
            page.fill("#token", run.token)
            page.click("#login-form button")
            page.wait_for_selector("#conn.on")
            page.click("#nav-events")
            page.wait_for_selector("#events-page:not([hidden])")
            page.select_option("#ev-since", "0")
            page.click("#ev-form button[type=submit]")
            page.locator("#ev-rows tr").first.wait_for()
            # live: new journal entries are prepended as the replay trades (marked fresh)
            page.locator("#ev-rows tr.ev-new").first.wait_for()

            page.fill("#ev-kind", "fill")
            page.click("#ev-form button[type=submit]")
            page.wait_for_function(
                "() => [...document.querySelectorAll('#ev-rows tr')].length > 0 && "
                "[...document.querySelectorAll('#ev-rows tr td:nth-child(4)')]"
                ".every(td => td.textContent === 'fill')"
            )
            assert "matching" in page.inner_text("#ev-count")

            page.locator("#ev-rows .ev-cid").first.click()
            page.locator("#ev-chain li").nth(2).wait_for()
            hops = page.locator("#ev-chain li").all_inner_texts()
            assert hops[0].startswith("start")
            assert "market/bar" in hops[0]
            assert any("execution/fill" in h for h in hops)
            page.screenshot(path=str(ARTIFACTS / "events-page.png"))

            page.fill("#ev-kind", "")
            page.select_option("#ev-level", "warning")
            page.click("#ev-form button[type=submit]")
            page.wait_for_function(
                "() => [...document.querySelectorAll('#ev-rows td.ev-level')]"
                ".every(td => ['warning', 'error', 'critical'].includes(td.textContent))"
            )
        finally:
            browser.close()
        run.interrupt()
