"""The dashboard in a real browser against a real ``freeride run``: log in with the printed token,
watch quotes move, create an alert, see it fire, start a backtest, read its figures and open its
report, and keep screenshots in ``test-artifacts/``.

Debian's Chromium drives it (``/usr/bin/chromium``); no browser is ever downloaded. Without it
the test is skipped with the reason, except under ``CI=true`` where it must be there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_run_serves import served_run

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 20_000


def _need_browser() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing under CI=true: .ci/run installs the Debian package chromium")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium); no browser is downloaded")


def test_dashboard_shows_live_quotes_and_a_firing_alert(feeds: tuple[Path, Path]) -> None:
    _need_browser()
    playwright_api = pytest.importorskip("playwright.sync_api")
    _, eurusd = feeds
    feed = f'[{{"symbol": "EUR/USD", "interval": "1h", "path": "{eurusd}", "quantity": 10000}}]'
    env = {  # one hourly feed at 5 bars a second, so quotes keep moving while the page watches
        "FREERIDE_RUN__FEEDS": feed,
        "FREERIDE_RUN__SPEED": "18000",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    with served_run(env=env) as run, playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone-sized screen
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(run.url + "/")
            page.fill("#token", "fr_wrong")
            page.click("#login-form button")
            page.wait_for_selector("#login-error:has-text('not valid')")

            page.fill("#token", run.token)
            page.click("#login-form button")
            page.wait_for_selector("#conn.on")
            row = page.locator('tr[data-symbol="EUR/USD"]')
            row.locator(".price:not(:empty)").wait_for()
            first_ts = row.get_attribute("data-ts")
            page.wait_for_function(
                "ts => document.querySelector('tr[data-symbol=\"EUR/USD\"]').dataset.ts !== ts", arg=first_ts
            )

            price = float(row.locator(".price").inner_text())
            page.fill("#alert-symbol", "EUR/USD")
            page.select_option("#alert-kind", "above")
            page.fill("#alert-threshold", f"{price / 2:.5f}")  # true on the very next bar
            page.click("#alert-form button")
            page.locator("#alerts li", has_text="EUR/USD").first.wait_for()
            fired = page.locator("#fired li.fired").first
            fired.wait_for()
            assert "EUR/USD" in fired.inner_text()

            page.locator("#events li").first.wait_for()
            page.locator("#status li.ok").first.wait_for()
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
            assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000

            page.click("#nav-backtests")  # start a backtest, watch it finish, find it listed
            page.fill("#bt-symbol", "EUR/USD")
            page.click("#bt-form button")
            page.wait_for_selector("#bt-progress:has-text('done 100%')")
            page.locator("#runs tr", has_text="backtest:sma_cross").first.wait_for()
            page.locator("#runs tr a").first.click()
            page.wait_for_selector("#report:has-text('final_equity')")
            page.screenshot(path=str(ARTIFACTS / "backtests.png"), full_page=True)
            with page.context.expect_page() as opened:  # its HTML report, in a tab of its own
                row = page.locator("#runs tr", has_text="backtest:sma_cross").first
                row.locator("a", has_text="report").click()
            report = opened.value
            report.wait_for_selector("h2:has-text('Trades')")
            assert report.locator("img[src^='data:image/png']").count() >= 4
            report.screenshot(path=str(ARTIFACTS / "backtest-report.png"), full_page=True)
        finally:
            browser.close()
        code, out = run.interrupt()  # mid-feed: a clean stop all the same
        assert code == 0, "".join(run.stderr)
        assert "EUR/USD 1h" in out
