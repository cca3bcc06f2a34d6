"""The dashboard in a real browser against a real ``freeride run`` and ``freeride live --serve``:
sign in through the printed link (an HttpOnly, SameSite=Strict cookie), watch quotes move and the
equity curve draw from storage and grow, create an alert and see it fire, start a backtest with
parameters and read its formatted figures and report, sign out; screenshots at 1400 and 390 px
wide in the test's temporary folder, with the layout checked (nothing wider than the screen or
clipped inside its card, status, P&L and alerts first on a phone).

Debian's Chromium drives it (``/usr/bin/chromium``); no browser is ever downloaded. Without it
the test is skipped with the reason, except under ``CI=true`` where it must be there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from processes import Freeride
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
TIMEOUT_MS = 30_000
ARTIFACTS = (
    Path(__file__).resolve().parents[2] / "test-artifacts"
)  # the Events page test keeps its shots there
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}

# Every element wider than the page, and every card or table cell whose content is cut off.
LAYOUT_PROBLEMS = """() => {
  const width = document.documentElement.clientWidth;
  const name = (e) => e.id ? '#' + e.id : e.tagName.toLowerCase() + (e.className ? '.' + e.className : '');
  const out = [];
  const page = document.documentElement.scrollWidth;
  if (page > width + 1) out.push('page scrolls sideways: ' + page);
  for (const e of document.querySelectorAll('main:not([hidden]) *')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0) continue;
    const span = Math.round(r.left) + '..' + Math.round(r.right);
    if (r.right > width + 1 || r.left < -1) out.push(name(e) + ' spans ' + span);
  }
  const boxes = 'main:not([hidden]) .card, main:not([hidden]) td, main:not([hidden]) dd';
  for (const e of document.querySelectorAll(boxes)) {
    if (e.scrollWidth > e.clientWidth + 1) out.push(`${name(e)} clips ${e.scrollWidth} > ${e.clientWidth}`);
  }
  return out;
}"""
CARD_ORDER = """() => [...document.querySelectorAll('#live > .card')]
  .map((c) => [c.id, c.getBoundingClientRect().top]).sort((a, b) => a[1] - b[1]).map((x) => x[0])"""


def _need_browser() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing under CI=true: .ci/run installs the Debian package chromium")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium); no browser is downloaded")


def _points(page: Any) -> int:
    return int(page.get_attribute("#equity", "data-points") or 0)


def _sign_in_by_link(page: Any, url: str, token: str) -> None:
    page.goto(f"{url}/login?token={token}")
    page.wait_for_selector("#conn.on")
    assert page.url == f"{url}/"  # the token left the address bar
    [cookie] = page.context.cookies()
    assert cookie["name"] == "freeride_session"
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["expires"] > 0  # a lasting cookie, not one that ends with the browser
    assert cookie["value"].startswith("frs_")
    assert token not in cookie["value"]


def _screens(browser: Any, url: str, cookies: list[Any], shots: Path, name: str, min_points: int) -> None:
    """The live page at both widths: screenshots, no clipping, the chart drawn, phone order."""
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        context.add_cookies(cookies)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url + "/")
        try:
            page.wait_for_selector("#conn.on")
            page.locator("#status li.ok").first.wait_for()
            page.wait_for_function(
                f"() => Number(document.querySelector('#equity').dataset.points) > {min_points}"
            )
            page.wait_for_selector("#equity canvas")
            page.wait_for_function("() => document.querySelector('#accounts td.pnl') !== null")
        except Exception:
            page.screenshot(path=str(shots / f"{name}-{label}-failed.png"), full_page=True)
            raise
        page.wait_for_timeout(500)  # the 2 s account refresh and a redraw settle
        page.screenshot(path=str(shots / f"{name}-{label}.png"), full_page=True)
        assert page.evaluate(LAYOUT_PROBLEMS) == [], f"{name} at {viewport['width']} px"
        if label == "phone":
            order = page.evaluate(CARD_ORDER)
            assert order[:3] == ["status-card", "accounts-card", "alerts-card"], order
            assert page.locator("#events-card details").get_attribute("open") is None  # folded
        context.close()


def test_dashboard_after_run(feeds: tuple[Path, Path], tmp_path: Path) -> None:
    _need_browser()
    playwright_api = pytest.importorskip("playwright.sync_api")
    _, eurusd = feeds
    feed = f'[{{"symbol": "EUR/USD", "interval": "1h", "path": "{eurusd}", "quantity": 10000}}]'
    env = {  # one hourly feed at 5 bars a second, so quotes and equity keep moving while the page watches
        "FREERIDE_RUN__FEEDS": feed,
        "FREERIDE_RUN__SPEED": "18000",
    }
    shots = tmp_path / "screens"
    shots.mkdir()
    with served_run(env=env) as run, playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport=DESKTOP)
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(run.url + "/")
            page.fill("#token", "fr_wrong")
            page.click("#login-form button")
            page.wait_for_selector("#login-error:has-text('not valid')")
            _sign_in_by_link(page, run.url, run.token)

            row = page.locator('tr[data-symbol="EUR/USD"]')
            row.locator(".price:not(:empty)").wait_for()
            first_ts = row.get_attribute("data-ts")
            page.wait_for_function(
                "ts => document.querySelector('tr[data-symbol=\"EUR/USD\"]').dataset.ts !== ts", arg=first_ts
            )
            page.wait_for_function("() => Number(document.querySelector('#equity').dataset.points) > 5")
            grown_from = _points(page)
            page.wait_for_function(
                "n => Number(document.querySelector('#equity').dataset.points) > n", arg=grown_from
            )  # the curve grows live

            price = float(row.locator(".price").inner_text())
            page.fill("#alert-symbol", "EUR/USD")
            page.select_option("#alert-kind", "above")
            page.fill("#alert-threshold", f"{price / 2:.5f}")  # true on the very next bar
            page.click("#alert-form button")
            page.locator("#alerts li", has_text="EUR/USD").first.wait_for()
            fired = page.locator("#fired li.fired").first
            fired.wait_for()
            assert "EUR/USD" in fired.inner_text()
            page.fill("#watch-symbol", "GBPUSD")  # a pair without its slash: refused, with the fix offered
            page.click("#watch-form button")
            page.click("#watch-error button.suggest:has-text('GBP/USD')")
            chip = page.locator('#watchlists ul[data-list="default"] li[data-symbol="GBP/USD"]')
            chip.wait_for()
            chip.locator("button").click()  # and off the list again
            chip.wait_for(state="detached")
            assert "providers: replay EUR/USD 1h" in page.locator("#status").inner_text()
            assert "broker: paper account" in page.locator("#status").inner_text()

            page.click("#nav-backtests")  # a backtest with parameters, its figures formatted
            page.wait_for_selector("#bt-param-fast")
            page.select_option("#bt-strategy", "sma_cross")
            page.fill("#bt-param-fast", "5")
            page.fill("#bt-param-slow", "20")
            page.fill("#bt-param-size", "10000")
            page.fill("#bt-cash", "50000")
            page.fill("#bt-start", "2017-05-01")
            page.fill("#bt-end", "2017-05-20")
            page.click("#bt-form button")
            page.wait_for_selector("#bt-progress:has-text('done 100%')")
            page.wait_for_selector("#report dt:has-text('Final equity')")
            text = page.locator("#report").inner_text()
            assert "fast 5, slow 20" in text
            assert "May 1, 2017 – May 19, 2017" in text  # the days asked for (the 20th a Saturday)
            assert "50,000.00" in text  # the starting cash, as money
            assert "final_equity" not in text  # no raw JSON
            assert not any(len(word) >= 16 and word.isdigit() for word in text.split())  # no ns times
            assert page.evaluate(LAYOUT_PROBLEMS) == []
            page.screenshot(path=str(shots / "backtest-desktop.png"), full_page=True)
            with page.context.expect_page() as opened:  # its HTML report, in a tab of its own
                page.click("#bt-report-link")
            report = opened.value
            report.wait_for_selector("h2:has-text('Trades')")
            assert report.locator("img[src^='data:image/png']").count() >= 4
            report.close()
            page.set_viewport_size(PHONE)
            page.wait_for_timeout(300)
            assert page.evaluate(LAYOUT_PROBLEMS) == []
            page.screenshot(path=str(shots / "backtest-phone.png"), full_page=True)

            page.wait_for_function("() => true")
            cookies = page.context.cookies()
            _screens(browser, run.url, cookies, shots, "run", min_points=20)

            page.click("#nav-live")
            page.click("#logout")  # signing out ends the session on the server
            page.wait_for_selector("#login:not([hidden])")
            assert page.context.cookies() == []
            again = browser.new_context()
            again.add_cookies(cookies)  # the old cookie, kept by someone: no longer good
            response = again.request.get(f"{run.url}/api/v1/whoami")
            assert response.status == 401
            again.close()
        finally:
            browser.close()
        code, out = run.interrupt()  # mid-feed: a clean stop all the same
        assert code == 0, "".join(run.stderr)
        assert "EUR/USD 1h" in out


LIVE_ENV = {"FREERIDE_PROVIDERS__ENABLED": "simulator", "FREERIDE_LOG__FORMAT": "json"}


def test_dashboard_under_live_serve(feeds: tuple[Path, Path], tmp_path: Path) -> None:
    """A simulated session at 240× (a minute of market a quarter of a second): the status names the
    chain, the broker and the market's hours, and the equity curve of the paper account grows."""
    _need_browser()
    playwright_api = pytest.importorskip("playwright.sync_api")
    shots = tmp_path / "screens"
    shots.mkdir()
    args = (
        "live",
        "--serve",
        "--port",
        "0",
        "--interval",
        "1m",
        "--speed",
        "240",
        "--from",
        "2024-06-03T13:30",
    )
    with Freeride(args, LIVE_ENV) as live, playwright_api.sync_playwright() as pw:
        url = live.wait_for(r"dashboard\s+(http://127\.0\.0\.1:\d+)/").group(1)
        link = live.wait_for(r"sign in\s+(http://\S+)").group(1)
        token = link.partition("token=")[2]
        live.wait_for(r"live_started")
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport=DESKTOP)
            page.set_default_timeout(TIMEOUT_MS)
            _sign_in_by_link(page, url, token)
            page.locator("#markets li").first.wait_for()
            status = page.locator("#status-card").inner_text()
            assert "providers: simulator (answering" in status
            assert "broker: paper account" in status
            assert "Trading allowed" in status
            assert "GOOG: open until" in page.locator("#markets").inner_text()
            page.wait_for_function("() => Number(document.querySelector('#equity').dataset.points) > 10")
            grown_from = _points(page)
            page.wait_for_function(
                "n => Number(document.querySelector('#equity').dataset.points) > n", arg=grown_from
            )
            assert page.locator("#accounts tr[data-account]").count() >= 1
            _screens(browser, url, page.context.cookies(), shots, "live", min_points=20)
        except Exception:
            print(live.stderr[-6000:])
            raise
        finally:
            browser.close()
        code, _ = live.stop()
    assert code == 0, live.stderr
