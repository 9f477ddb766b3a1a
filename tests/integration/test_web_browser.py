"""The web page in a real browser (Debian's headless chromium) against a real daemon."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.wait import WebDriverWait

from assistant.bench.web import run_bench
from assistant.service.api import COMMANDS
from assistant.service.client import send_request
from assistant.web.routes import COOKIE
from tests.conftest import wait_for
from tests.daemon import GREETS_WITH_CLOCK
from tests.integration.helpers import BIN, assistant, free_port
from tests.integration.test_speech import seconds

pytestmark = pytest.mark.slow
# Where the screenshots go: WEB_SCREENSHOTS=docs refreshes the ones in docs/ (docs/web.md).
SHOTS = os.environ.get("WEB_SCREENSHOTS", "")
TOKEN = "correct horse battery staple"
# The clock at 08:00, and headlines read plainly from a tidy feed and a hostile one at noon.
CONFIG = (
    GREETS_WITH_CLOCK
    + """
[web]
port = {port}
token_env = "TEST_WEB_TOKEN"
[skills]
clock = {{ schedule = "0 8 * * *", use_llm = false }}
seuss-news = {{ schedule = "0 12 * * *", use_llm = false, max_headlines = 4, feeds = [
    {{ url = "{feeds}/bbc.rss", name = "the BBC" }}, "{feeds}/hostile.rss"
] }}
"""
)
FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
# A phone-sized window; the window is what headless chromium counts, the page gets less.
WIDTH, HEIGHT, CHROME_PX = 560, 760, 143
needs_last = pytest.mark.skipif(
    "last" not in COMMANDS, reason="the daemon has no `last`/`feedback` requests yet (issue 15)"
)


class Daemon:
    """A real `assistant run` with the WAV sink and the page on a free port."""

    def __init__(self, root: Path) -> None:
        self.state = root / "state"
        self.sock = root / "run" / "control.sock"
        self.base = f"http://127.0.0.1:{free_port()}"
        cfg = root / "a.toml"
        cfg.write_text(CONFIG.format(port=self.base.rsplit(":", 1)[1], feeds=FEEDS))
        self.env = os.environ | {
            "ASSISTANT_STATE_DIR": str(self.state),
            "ASSISTANT_RUNTIME_DIR": str(root / "run"),
            "ASSISTANT_CLOCK_SYNC": "yes",
            "TEST_WEB_TOKEN": TOKEN,
        }
        self.proc = subprocess.Popen(
            [str(BIN), "--config", str(cfg), "run"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def ask(self, command: str, **fields: Any) -> dict[str, Any]:
        """A request over the control socket (to check what the page did)."""
        return send_request(self.sock, {"command": command, **fields})

    def wavs(self) -> list[Path]:
        return sorted((self.state / "speech").glob("*.wav"), key=lambda p: p.stat().st_mtime)

    def post(self, path: str, form: dict[str, str], cookie: str = "") -> int:
        """A plain HTTP POST (no browser): the status code."""
        request = urllib.request.Request(
            self.base + path, data=urlencode(form).encode(), headers={"Cookie": cookie}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGTERM)
        _out, err = self.proc.communicate(timeout=15)
        assert self.proc.returncode == 0, err
        return err


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError as exc:  # the login redirect counts: the page is up
        exc.close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    running = Daemon(tmp_path_factory.mktemp("web"))
    try:
        assert wait_for(lambda: _up(running.base + "/login"), 60), "the page never came up"
        assert wait_for(lambda: "clock" in running.ask("status")["last_runs"], 30)
        yield running
    finally:
        err = running.stop()
        assert "web page at http://127.0.0.1:" in err


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail("chromium and chromium-driver are not installed (make system-deps)")
    options = Options()
    options.binary_location = shutil.which("chromium") or ""
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.add_argument(f"--window-size={WIDTH},{HEIGHT}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    try:
        yield driver
    finally:
        driver.quit()


def open_page(driver: WebDriver, daemon: Daemon, path: str) -> None:
    """Go to `path`, logging in first when the page asks."""
    driver.get(daemon.base + path)
    if driver.current_url.endswith("/login"):
        log_in(driver, TOKEN)
        driver.get(daemon.base + path)
    assert driver.current_url == daemon.base + path


def log_in(driver: WebDriver, token: str) -> None:
    driver.find_element(By.NAME, "token").send_keys(token)
    press(driver, driver.find_element(By.CSS_SELECTOR, "button.go"))


def press(driver: WebDriver, button: WebElement) -> None:
    """Click a form's button and wait for the page the POST leads to."""
    button.click()
    WebDriverWait(driver, 15).until(staleness_of(button))


def flash(driver: WebDriver) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, ".flash").text)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(SHOTS) if SHOTS else tmp_path_factory.mktemp("shots")


def shot(driver: WebDriver, name: str, where: Path) -> None:
    """Save the page for docs/, and check that the browser refused nothing on it (the style
    sheet is allowed by its hash: a changed sheet with a stale hash would show up here)."""
    refused = [
        e["message"] for e in driver.get_log("browser") if "Content Security" in e["message"]
    ]
    assert refused == []
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, max(HEIGHT, height + CHROME_PX))  # the whole page
    assert driver.save_screenshot(str(where / f"web-{name}.png"))
    driver.set_window_size(WIDTH, HEIGHT)


def test_a_wrong_token_is_refused_and_the_right_one_lets_in(
    daemon: Daemon, browser: WebDriver, shots: Path
) -> None:
    browser.delete_all_cookies()
    browser.get(daemon.base + "/status")
    assert browser.current_url == daemon.base + "/login"
    log_in(browser, "not the token")
    assert flash(browser) == "Wrong token."
    shot(browser, "login", shots)
    browser.get(daemon.base + "/status")
    assert browser.current_url == daemon.base + "/login"  # still out
    log_in(browser, TOKEN)
    assert browser.current_url == daemon.base + "/"
    browser.get(daemon.base + "/status")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Status"


def test_the_status_page(daemon: Daemon, browser: WebDriver, shots: Path) -> None:
    open_page(browser, daemon, "/status")
    rows = {
        r.find_element(By.TAG_NAME, "th").text: r.find_element(By.TAG_NAME, "td").text
        for r in browser.find_elements(By.CSS_SELECTOR, "table tr")
        if r.find_elements(By.TAG_NAME, "th")
    }
    assert rows["Clock"] == "synchronised, UTC"
    assert "anonymous" in rows["Memory"] and "file-backed" in rows["Memory"]
    assert rows["Health"] == "healthy"
    shot(browser, "status", shots)


def test_run_now_runs_the_skill(daemon: Daemon, browser: WebDriver, shots: Path) -> None:
    before = daemon.ask("status")["last_runs"]["clock"]["started"]
    open_page(browser, daemon, "/schedule")
    row = browser.find_element(By.XPATH, "//tr[td[1]='clock']")
    assert "08:00" in row.text
    press(browser, row.find_element(By.TAG_NAME, "button"))
    assert flash(browser) == "Started clock."

    def done() -> bool:
        now = daemon.ask("status")
        return now["last_runs"]["clock"]["started"] != before and not now["running"]

    assert wait_for(done, 30), "the skill did not run"
    assert daemon.ask("status")["last_runs"]["clock"]["outcome"] == "ok"
    shot(browser, "schedule", shots)


def test_the_say_box_speaks_what_is_typed_as_text(
    daemon: Daemon, browser: WebDriver, shots: Path
) -> None:
    open_page(browser, daemon, "/say")
    wavs = len(daemon.wavs())
    browser.find_element(By.NAME, "text").send_keys("Tea & <b>biscuits</b> at four.")
    press(browser, browser.find_element(By.CSS_SELECTOR, "button.go"))
    # Shown as typed: the markup is text, not an element.
    assert flash(browser) == "Said: Tea & <b>biscuits</b> at four."
    assert browser.find_elements(By.CSS_SELECTOR, ".flash b") == []
    assert len(daemon.wavs()) == wavs + 1
    assert seconds(daemon.wavs()[-1]) > 0.5
    shot(browser, "say", shots)


def test_a_post_without_the_csrf_token_is_refused(daemon: Daemon, browser: WebDriver) -> None:
    open_page(browser, daemon, "/say")
    cookie = f"{COOKIE}={browser.get_cookie(COOKIE)['value']}"  # type: ignore[index]
    csrf = browser.find_element(By.NAME, "csrf").get_attribute("value") or ""
    wavs = len(daemon.wavs())
    assert daemon.post("/say", {"text": "no token"}, cookie) == 403
    assert daemon.post("/say", {"text": "a wrong one", "csrf": csrf[::-1]}, cookie) == 403
    assert daemon.post("/run", {"skill": "clock"}, cookie) == 403
    assert daemon.post("/say", {"text": "no session", "csrf": csrf}) == 403
    time.sleep(0.5)
    assert len(daemon.wavs()) == wavs
    # The same request with the token goes through (303, then the page): only it was missing.
    assert daemon.post("/say", {"text": "With the token.", "csrf": csrf}, cookie) == 200
    assert len(daemon.wavs()) == wavs + 1


@needs_last
def test_headlines_of_a_hostile_feed_show_as_text_with_their_sources(
    daemon: Daemon, browser: WebDriver
) -> None:
    ran = daemon.ask("trigger", skill="seuss-news", wait=True)
    assert ran["ok"], ran
    newest = daemon.ask("last", n=1)["utterances"][0]
    assert newest["skill"] == "seuss-news"
    open_page(browser, daemon, "/")
    card = browser.find_element(By.ID, f"u-{newest['id']}")
    items = card.find_elements(By.CSS_SELECTOR, "ul.src li")
    assert len(items) == len(newest["sources"]) > 1
    for item, source in zip(items, newest["sources"], strict=True):
        assert item.text.startswith(" ".join(source["title"].split()))
    links = [a.get_attribute("href") or "" for a in card.find_elements(By.TAG_NAME, "a")]
    assert links and all(link.startswith("https://") for link in links)
    # The feed's markup arrives as text: no element of it made it into the page.
    assert browser.find_elements(By.CSS_SELECTOR, "main script, main img, main i, main b") == []


@needs_last
def test_today_shows_what_was_said_takes_a_thumbs_up_and_repeats(
    daemon: Daemon, browser: WebDriver, shots: Path
) -> None:
    newest = daemon.ask("last", n=1)["utterances"][0]
    open_page(browser, daemon, "/")
    card = browser.find_element(By.ID, f"u-{newest['id']}")
    assert newest["text"] in card.text and newest["skill"] in card.text
    press(browser, card.find_element(By.XPATH, ".//button[contains(., 'good')]"))
    assert flash(browser) == "Thanks: marked good."
    exported = subprocess.run(
        [str(BIN), "feedback", "export"], env=daemon.env, capture_output=True, text=True, check=True
    )
    ratings = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [(r["id"], r["verdict"]) for r in ratings] == [(newest["id"], "good")]

    wavs = len(daemon.wavs())
    card = browser.find_element(By.ID, f"u-{newest['id']}")
    press(browser, card.find_element(By.XPATH, ".//button[contains(., 'repeat')]"))
    assert flash(browser) == f"Said: {newest['text']}"
    assert len(daemon.wavs()) == wavs + 1
    shot(browser, "today", shots)


def test_a_page_open_to_the_network_needs_a_token(tmp_path: Path) -> None:
    cfg = tmp_path / "wide.toml"
    cfg.write_text('[web]\nlisten = "0.0.0.0"\ntoken_env = "NO_SUCH_TOKEN_VAR"\n')
    done = assistant("check-config", str(cfg), check=False)
    assert done.returncode == 1
    assert "web.listen: '0.0.0.0' is reachable from other machines" in done.stderr


def test_bench_web_measures_what_the_page_costs() -> None:
    result = run_bench(runs=1, views=2)
    assert result["on"]["rss_mb"] > result["off"]["rss_mb"] > 20
    assert 0 < result["cost"]["anon_mb"] < 20
