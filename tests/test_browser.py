"""The search page, the widget on a page of another origin and OpenSearch, in headless Chromium.

Every browser test runs Debian's chromium against a real ``search-service serve``; screenshots go to
tests/artifacts/.
"""

import base64
import contextlib
import functools
import hashlib
import http.server
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.mouse_button import MouseButton
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from conftest import build_index, free_port, republished, running_server, wait_until_responds, write_jsonl

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
]
ARTIFACTS = pathlib.Path(__file__).parent / "artifacts"
#: The browser window's size, which a test that changes it gives back.
WINDOW_SIZE = (1280, 900)

# A host page that does its worst to every element it can reach.
HOSTILE_CSS = """
* { display: inline; color: red !important; font: 30px/1 serif; }
input { border: 5px dashed blue; border-radius: 0; }
#column { display: block; width: 640px; margin-top: 16px; }
"""

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A news site</title>
{policy}
<style>{css}</style>
<script src="{server}/widget.js" {loading}></script>
</head><body>
<h1>A news site on another origin</h1>
<p id="host-text">Its own text, its own styles.</p>
<input id="host-input" placeholder="the host's own input">
<div id="column">
<arabic-search {endpoint} placeholder="ابحث في الأخبار…" {attributes}></arabic-search>
</div>
</body></html>
"""

# What the README promises: the widget needs only its origin in script-src and connect-src. The hash
# admits the host's own <style> and nothing else, so a <style> or style="" of the widget would be refused.
HOST_POLICY = "default-src 'none'; script-src {server}; connect-src {server}; style-src 'sha256-{style_hash}'"

MARKUP = "<img src=x onerror=alert(1)><script>alert(2)</script>"
MARKUP_DOCUMENTS = [
    {
        "id": "markup",
        "title": "عنوان فيه <b>وسم</b>",
        "source": "اختبار",
        "date": "2024-05-01",
        "url": "javascript:alert(3)",
        "text": f"تجربة الحماية من الوسوم {MARKUP} في نص عربي.",
    },
    {"id": "plain", "title": "نص عادي", "source": "اختبار", "text": "تجربة الحماية في نص عادي بلا وسوم."},
]

# A misspelling of التحالف: no results, and the API suggests the correction.
MISSPELLED = "التحالق"

requires_chromium = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium for the module, with a fresh profile."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size={},{}".format(*WINDOW_SIZE))
    options.add_argument("--lang=ar")
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    ARTIFACTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


def serving(tmp_path_factory, name, records):
    """A real server over an index of JSONL ``records``, until the module's tests are done."""
    tmp = tmp_path_factory.mktemp(name)
    index = build_index(tmp / "index", write_jsonl(tmp / f"{name}.jsonl", records))
    with running_server(index) as base:
        yield base


@pytest.fixture(scope="module")
def markup_server(tmp_path_factory):
    """A real server over an index whose documents hold HTML markup in their text and title."""
    yield from serving(tmp_path_factory, "markup", MARKUP_DOCUMENTS)


# Documents whose url is an address on their own site, and one whose url is a whole address.
ADDRESSED_DOCUMENTS = [
    {"id": "relative", "title": "خبر بعنوان نسبي", "url": "/relative/path", "text": "خبر عن بناء السدود على الأنهار."},
    {"id": "scheme-relative", "title": "خبر بعنوان بلا بروتوكول", "url": "//evil.example/x", "text": "خبر آخر عن السدود."},
    {"id": "absolute", "title": "خبر بعنوان كامل", "url": "https://news.example/dams", "text": "خبر ثالث عن السدود."},
]


@pytest.fixture(scope="module")
def addressed_server(tmp_path_factory):
    """A real server over documents whose url is relative, relative to the scheme, or absolute."""
    yield from serving(tmp_path_factory, "addressed", ADDRESSED_DOCUMENTS)


# A news agency's name with a comma, and a paragraph in Latin letters beside Arabic ones.
AGENCY = "S&P, Inc."
LATIN_DOCUMENTS = [
    {"id": "latin", "title": "WHO report, 2024.", "source": AGENCY, "date": "2024-02-01",
     "text": "The World Health Organization (WHO) said on Monday that cases fell by 20%."},
    {"id": "arabic", "title": "تقرير المنظمة", "source": "وكالة الأنباء", "date": "2024-02-02",
     "text": "قالت منظمة الصحة العالمية WHO إن الحالات تراجعت بنسبة 20% هذا الشهر."},
]


@pytest.fixture(scope="module")
def latin_server(tmp_path_factory):
    """A real server over a Latin document and an Arabic one, from two sources, one with a comma in its name."""
    yield from serving(tmp_path_factory, "latin", LATIN_DOCUMENTS)


@pytest.fixture(scope="module")
def republished_server(tmp_path_factory):
    """A real server over fifteen news documents that republish the same paragraph."""
    yield from serving(tmp_path_factory, "republished", republished(15))


@contextlib.contextmanager
def server_process(index_dir, answering_path):
    """``search-service serve`` over ``index_dir``, in a process group of its own, once it answers
    ``answering_path``; yields its base URL and its process."""
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", suffix=".log")
    process = subprocess.Popen(
        [sys.executable, "-m", "search_service", "serve", "--index", str(index_dir), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=log, text=True, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_responds(base + answering_path, process, log=log)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def no_index_server(tmp_path_factory):
    """A real server over an empty index directory: no index has been built yet."""
    # The page answers; the API answers 503.
    with server_process(tmp_path_factory.mktemp("no-index"), "/") as (base, _):
        yield base


@pytest.fixture
def hanging_server(seeds_index):
    """A real server over the seeds: ``(base, hang)``; ``hang()`` stops its every process, as
    ``kill -STOP`` does, until the test is done."""
    with server_process(seeds_index, "/api/health") as (base, process):
        try:
            yield base, functools.partial(os.killpg, process.pid, signal.SIGSTOP)
        finally:
            os.killpg(process.pid, signal.SIGCONT)


@pytest.fixture(scope="module")
def host_site(tmp_path_factory):
    """A static site on its own loopback port; ``host_site(name, server)`` writes a page embedding the widget.

    The page has a strict Content-Security-Policy unless ``policy=False``, which enforces Trusted Types if
    ``trusted_types=True``; ``css`` follows the hostile CSS in its style sheet; ``attributes`` go on the element
    (with ``per-page="5"`` unless they set it, and ``endpoint`` unless ``endpoint_attribute=False``);
    ``module=True`` loads widget.js as a module rather than a deferred classic script.
    """
    root = tmp_path_factory.mktemp("host-site")
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def page(name, endpoint, policy=True, css="", attributes="", endpoint_attribute=True, module=False, trusted_types=False):
        attributes = attributes if "per-page=" in attributes else f'per-page="5" {attributes}'
        css = HOSTILE_CSS + css
        style_hash = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        directives = HOST_POLICY.format(server=endpoint, style_hash=style_hash) + ("; require-trusted-types-for 'script'" if trusted_types else "")
        meta = f'<meta http-equiv="Content-Security-Policy" content="{directives}">'
        html = HOST_PAGE.format(
            policy=meta if policy else "", css=css, server=endpoint, attributes=attributes,
            loading='type="module"' if module else "defer", endpoint=f'endpoint="{endpoint}"' if endpoint_attribute else "",
        )
        (root / name).write_text(html, encoding="utf-8")
        return f"http://127.0.0.1:{server.server_port}/{name}"

    yield page
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class PrefixProxy(QuietHandler):
    """A site's own server: its pages, and /search/ passed on to the service (``service``) with the
    prefix taken off and the X-Forwarded-* headers set, as nginx's ``location /search/ {
    proxy_pass http://service/; proxy_set_header X-Forwarded-Prefix /search; ... }`` does."""

    service = None

    def do_GET(self):
        if not self.path.startswith("/search/"):
            return super().do_GET()
        forwarded = {
            "Accept": self.headers.get("Accept", "*/*"), "X-Forwarded-Prefix": "/search",
            "X-Forwarded-Host": self.headers["Host"], "X-Forwarded-Proto": "http", "X-Forwarded-For": self.client_address[0],
        }
        try:
            response = urllib.request.urlopen(urllib.request.Request(self.service + self.path[len("/search"):], headers=forwarded), timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        body = response.read()
        self.send_response(response.status)
        for name in ("Content-Type", "Content-Security-Policy", "Access-Control-Allow-Origin"):
            if response.headers.get(name):
                self.send_header(name, response.headers[name])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def proxied_site(tmp_path_factory, seeds_index):
    """A site that passes /search/ on to a real server over the seeds, which is told of the proxy
    (``SEARCH_SERVICE_PROXIES=1``); its page /news.html embeds the widget from /search/widget.js,
    with no endpoint. Yields the site's base URL."""
    root = tmp_path_factory.mktemp("proxied-site")
    (root / "news.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>News</title>'
        '<script src="/search/widget.js" defer></script></head><body><arabic-search></arabic-search></body></html>',
        encoding="utf-8",
    )
    with running_server(seeds_index, env={"SEARCH_SERVICE_PROXIES": "1"}) as service:
        handler = functools.partial(type("Proxy", (PrefixProxy,), {"service": service}), directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{server.server_port}"
        server.shutdown()
        server.server_close()


def wait_until(driver, condition, timeout=10):
    """Wait for ``condition()`` to be truthy and return its value; re-rendered elements are retried."""
    return WebDriverWait(driver, timeout, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda _: condition()
    )


def type_keys(driver, *keys):
    """Type into the focused element. (Element.send_keys would blur a shadow-DOM input first.)"""
    ActionChains(driver).send_keys(*keys).perform()


def enter(driver, input_element, text):
    """Put ``text`` into ``input_element`` at once, as a paste does."""
    driver.execute_script(
        "const input = arguments[0]; input.value = arguments[1]; input.dispatchEvent(new Event('input'))", input_element, text,
    )


def screenshot(driver, name):
    driver.save_screenshot(str(ARTIFACTS / name))


def widget_parts(driver):
    root = driver.find_element(By.CSS_SELECTOR, "arabic-search").shadow_root
    return root, root.find_element(By.CSS_SELECTOR, "input")


def close_tabs_but(browser, kept):
    """Close every tab but ``kept`` and go back to it."""
    for tab in set(browser.window_handles) - {kept}:
        browser.switch_to.window(tab)
        browser.close()
    browser.switch_to.window(kept)


def widget_options(root):
    return root.find_elements(By.CSS_SELECTOR, "[role=option]")


def type_into_widget(driver, page, text):
    """Open ``page`` (a host site embedding the widget), type ``text`` into the widget; returns its shadow root."""
    driver.get(page)
    root, combobox = wait_until(driver, lambda: widget_parts(driver))
    combobox.click()
    type_keys(driver, text)
    return root


def shown(driver, element_id):
    """The element with this id if it is displayed, else None."""
    element = driver.find_element(By.ID, element_id)
    return element if element.is_displayed() else None


def widget_message(root):
    """The text of the widget's message (an error, or no results) if it is shown, else None."""
    messages = [m for m in root.find_elements(By.CSS_SELECTOR, ".message") if m.is_displayed()]
    return messages[0].text if messages else None


def searched(driver, query):
    """Whether the page has had the answer of the API to a search for ``query`` (as the widget sends it)."""
    return driver.execute_script(
        "return performance.getEntriesByType('resource').some((e) => new URL(e.name).pathname === '/api/search'"
        " && new URL(e.name).searchParams.get('q') === arguments[0])", query,
    )


def current_page(driver):
    return driver.find_element(By.CSS_SELECTOR, "#pagination [aria-current=page]").get_attribute("data-page")


def policy_violations(driver):
    """Content-Security-Policy refusals logged since the last look at the browser log."""
    return [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]


def no_alert(driver):
    try:
        driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


@requires_chromium
def test_widget_on_another_origin_shows_highlighted_results_and_moves_with_arrow_keys(browser, live_server, host_site):
    page = host_site("news.html", live_server)
    assert urllib.parse.urlsplit(page).netloc != urllib.parse.urlsplit(live_server).netloc
    browser.get_log("browser")
    browser.get(page)
    root, combobox = wait_until(browser, lambda: widget_parts(browser))
    assert combobox.get_attribute("role") == "combobox"
    assert combobox.get_attribute("aria-expanded") == "false"
    assert combobox.get_attribute("placeholder") == "ابحث في الأخبار…"
    combobox.click()
    type_keys(browser, "التحالف")

    options = wait_until(browser, lambda: [o for o in widget_options(root) if o.find_elements(By.TAG_NAME, "mark")])
    assert 0 < len(options) <= 5  # per-page="5"; the last option opens all results
    assert combobox.get_attribute("aria-expanded") == "true"
    listbox = root.find_element(By.ID, combobox.get_attribute("aria-controls"))
    assert listbox.get_attribute("role") == "listbox" and listbox.is_displayed()
    assert all("تحالف" in o.find_element(By.TAG_NAME, "mark").text for o in options)
    assert root.find_element(By.CSS_SELECTOR, "[role=status]").get_attribute("textContent")

    type_keys(browser, Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    assert combobox.get_attribute("aria-activedescendant") == options[1].get_attribute("id")
    type_keys(browser, Keys.ARROW_UP)
    assert combobox.get_attribute("aria-activedescendant") == options[0].get_attribute("id")
    selected = [o for o in widget_options(root) if o.get_attribute("aria-selected") == "true"]
    assert selected == [options[0]]

    # The host's CSS does not reach the widget, and the widget's CSS does not reach the host.
    assert combobox.value_of_css_property("color") != "rgba(255, 0, 0, 1)"
    assert combobox.value_of_css_property("border-top-style") == "solid"
    assert browser.find_element(By.ID, "host-input").value_of_css_property("border-top-style") == "dashed"
    assert browser.find_element(By.ID, "host-text").value_of_css_property("color") == "rgba(255, 0, 0, 1)"
    assert policy_violations(browser) == []
    screenshot(browser, "widget-on-another-origin.png")

    type_keys(browser, Keys.ESCAPE)
    assert combobox.get_attribute("aria-expanded") == "false"
    assert not listbox.is_displayed()
    assert combobox.get_attribute("aria-activedescendant") is None

    type_keys(browser, Keys.ARROW_DOWN, Keys.ENTER)  # a document without a url of its own: the service's page of it
    wait_until(browser, lambda: browser.current_url.startswith(live_server + "/documents/"))
    target = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, ".paragraph:target"))[0]
    assert "تحالف" in target.find_element(By.TAG_NAME, "mark").text


@requires_chromium
def test_the_chosen_result_stands_out_in_forced_colours(browser, live_server, host_site):
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "forced-colors", "value": "active"}]})
    try:
        root = type_into_widget(browser, host_site("forced-colours.html", live_server), "التحالف ")
        wait_until(browser, lambda: widget_options(root))
        type_keys(browser, Keys.ARROW_DOWN)
        outlines = [(o.get_attribute("aria-selected"), o.value_of_css_property("outline-style")) for o in widget_options(root)]
        assert outlines[0] == ("true", "solid")
        assert all(outline == ("false", "none") for outline in outlines[1:])
        screenshot(browser, "widget-forced-colours.png")
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def middle_click(driver, element):
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to(element).pointer_down(MouseButton.MIDDLE).pointer_up(MouseButton.MIDDLE)
    actions.perform()


@requires_chromium
@pytest.mark.parametrize(
    "click",
    [
        lambda driver, option: ActionChains(driver).key_down(Keys.CONTROL).click(option).key_up(Keys.CONTROL).perform(),
        middle_click,
    ],
    ids=["ctrl", "middle-button"],
)
def test_a_result_clicked_as_a_link_to_a_new_tab_opens_in_a_new_tab(browser, live_server, host_site, click):
    page = host_site("new-tab.html", live_server)
    root = type_into_widget(browser, page, "التحالف ")
    host_tab = browser.current_window_handle
    try:
        options = wait_until(browser, lambda: widget_options(root))
        for option in (options[0], options[-1]):  # a result, and all results
            click(browser, option)
        wait_until(browser, lambda: len(browser.window_handles) == 3)
        assert browser.current_url == page and panel_shown(root)
        opened = []
        for tab in set(browser.window_handles) - {host_tab}:
            browser.switch_to.window(tab)
            opened.append(wait_until(browser, lambda: urllib.parse.urlsplit(browser.current_url).path))
        everything, result = sorted(opened)
        assert everything == "/" and result.startswith("/documents/")
    finally:
        close_tabs_but(browser, host_tab)


@requires_chromium
def test_widget_treats_the_last_word_as_a_prefix_while_typing(browser, live_server, host_site):
    root = type_into_widget(browser, host_site("prefix.html", live_server), "وزراء التحا")
    options = wait_until(browser, lambda: widget_options(root))
    marked = " ".join(m.text for o in options for m in o.find_elements(By.TAG_NAME, "mark"))
    assert "تحالف" in marked


@requires_chromium
def test_widget_opens_the_search_its_list_shows_however_it_is_asked(browser, live_server, host_site):
    root = type_into_widget(browser, host_site("prefix-links.html", live_server), "التحال")
    wait_until(browser, lambda: widget_options(root))
    browser.execute_script(
        "window.chosen = []; document.addEventListener('arabic-search-select',"
        " (e) => { e.preventDefault(); window.chosen.push(e.detail.href); })"
    )
    type_keys(browser, Keys.ARROW_UP, Keys.ENTER)  # the last option: all results
    assert not panel_shown(root)  # closed, though the page handles the choice itself
    type_keys(browser, Keys.ARROW_DOWN, Keys.ENTER)  # opened again at the first result
    type_keys(browser, Keys.ENTER)  # no option chosen
    everything, first, entered = browser.execute_script("return window.chosen")

    def query(href):
        return urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)["q"]

    assert query(everything) == query(first) == query(entered) == ["التحال*"]
    assert entered == everything
    browser.get(entered)  # the search page finds what the list showed
    marked = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result mark"))
    assert all("تحال" in mark.text for mark in marked)


def panel_shown(root):
    return root.find_element(By.CSS_SELECTOR, ".panel").is_displayed()


@requires_chromium
def test_widget_list_stays_closed_when_its_answer_comes_after_the_user_left_or_closed_it(browser, live_server, host_site):
    root = type_into_widget(browser, host_site("left.html", live_server), "")
    type_keys(browser, "التحالف ", Keys.TAB)  # gone before the answer is asked for
    wait_until(browser, lambda: searched(browser, "التحالف") and widget_options(root))
    assert not panel_shown(root)
    combobox = root.find_element(By.CSS_SELECTOR, "input")
    assert combobox.get_attribute("aria-expanded") == "false"
    combobox.click()  # back in the input: the list it has
    wait_until(browser, lambda: panel_shown(root))

    old = widget_options(root)[0]
    type_keys(browser, "ي", Keys.ESCAPE)  # closed before the answer to التحالف ي comes
    assert not panel_shown(root)
    WebDriverWait(browser, 10).until(expected_conditions.staleness_of(old))
    assert searched(browser, "التحالف ي") and not panel_shown(root)
    type_keys(browser, Keys.ARROW_DOWN)  # asked for again
    assert panel_shown(root)


@requires_chromium
def test_tab_leaves_the_widget_even_when_its_list_scrolls(browser, live_server, host_site):
    root = type_into_widget(browser, host_site("tab.html", live_server, attributes='per-page="10"'), "التحالف ")
    wait_until(browser, lambda: widget_options(root))
    assert browser.execute_script("const panel = arguments[0]; return panel.scrollHeight > panel.clientHeight",
                                  root.find_element(By.CSS_SELECTOR, ".panel"))
    type_keys(browser, Keys.TAB)
    assert browser.execute_script("return document.querySelector('arabic-search').shadowRoot.activeElement") is None
    assert not panel_shown(root)


@requires_chromium
def test_widget_does_not_open_a_result_of_a_list_the_input_has_left_behind(browser, live_server, host_site):
    root = type_into_widget(browser, host_site("stale.html", live_server), "وزراء الخار")
    wait_until(browser, lambda: searched(browser, "وزراء الخار*") and widget_options(root))
    browser.execute_script(
        "window.chosen = []; document.addEventListener('arabic-search-select',"
        " (e) => { e.preventDefault(); window.chosen.push(e.detail.href); })"
    )
    type_keys(browser, " سوريا", Keys.ARROW_DOWN, Keys.ENTER)  # before the answer for what the input now holds
    [href] = browser.execute_script("return window.chosen")
    assert href.startswith(live_server + "/?")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)["q"] == ["وزراء الخار سوريا*"]
    assert root.find_element(By.CSS_SELECTOR, "input").get_attribute("aria-activedescendant") is None


def _colour(css):
    """The sRGB channels (0 to 1) of a computed colour: ``rgb(...)``, ``rgba(...)`` or ``color(srgb ...)``."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)[:3]]
    return numbers if css.startswith("color(") else [n / 255 for n in numbers]


def contrast(foreground, background):
    """The WCAG contrast ratio of two computed colours."""
    def luminance(css):
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _colour(css)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@requires_chromium
def test_a_dark_theme_of_the_widget_keeps_every_text_readable(browser, live_server, host_site):
    dark = 'style="--arabic-search-background: #222; --arabic-search-text: #f5f5f5"'
    root = type_into_widget(browser, host_site("dark.html", live_server, policy=False, attributes=dark), "داعش ")
    wait_until(browser, lambda: widget_options(root))
    type_keys(browser, Keys.ARROW_DOWN)
    chosen_option = root.find_element(By.CSS_SELECTOR, "[aria-selected=true]")
    style = "return getComputedStyle(arguments[0])[arguments[1]]"
    background = browser.execute_script(style, chosen_option, "backgroundColor")
    for part in (".snippet", ".meta"):
        text = browser.execute_script(style, chosen_option.find_element(By.CSS_SELECTOR, part), "color")
        assert contrast(text, background) >= 4.5, part
    mark = chosen_option.find_element(By.CSS_SELECTOR, "mark")
    assert contrast(browser.execute_script(style, mark, "color"), browser.execute_script(style, mark, "backgroundColor")) >= 4.5
    # An error said in the dark theme (an endpoint that answers 404).
    wrong = f'endpoint="{live_server}/search" {dark}'
    root = type_into_widget(browser, host_site("dark-error.html", live_server, policy=False, endpoint_attribute=False, attributes=wrong), "داعش ")
    wait_until(browser, lambda: widget_message(root))
    error = root.find_element(By.CSS_SELECTOR, ".message.error")
    assert contrast(browser.execute_script(style, error, "color"), "rgb(34, 34, 34)") >= 4.5


@requires_chromium
def test_a_result_chosen_while_its_answer_is_awaited_leaves_the_list_closed(browser, live_server, host_site):
    root = type_into_widget(browser, host_site("chosen-early.html", live_server), "")
    browser.execute_script("document.addEventListener('arabic-search-select', (e) => e.preventDefault())")
    type_keys(browser, "التحالف", Keys.ENTER)  # within the debounce: the answer comes after the choice
    wait_until(browser, lambda: searched(browser, "التحالف*") or searched(browser, "التحالف"))
    time.sleep(0.5)
    assert not panel_shown(root)


@requires_chromium
def test_a_widget_whose_endpoint_is_wrong_says_it_is_the_sites_to_mend(browser, live_server, host_site):
    page = host_site("wrong-endpoint.html", live_server, endpoint_attribute=False, attributes=f'endpoint="{live_server}/search"')
    root = type_into_widget(browser, page, "داعش ")
    message = wait_until(browser, lambda: widget_message(root))
    assert "على صاحب الموقع تصحيحه" in message and "حاول مرة أخرى" not in message


@requires_chromium
def test_the_host_page_can_hide_the_widget(browser, live_server, host_site):
    browser.get(host_site("hide.html", live_server, policy=False, attributes='class="d-none"'))
    widget = browser.find_element(By.CSS_SELECTOR, "arabic-search")
    assert widget.is_displayed()  # the hostile page's * { display: inline } shows it still
    browser.execute_script(
        "const style = document.createElement('style');"
        "style.textContent = 'arabic-search.d-none { display: none !important; }';"
        "document.head.append(style)"
    )
    assert not widget.is_displayed()
    browser.execute_script("arguments[0].classList.remove('d-none')", widget)
    assert widget.is_displayed()
    browser.execute_script("arguments[0].hidden = true", widget)
    assert not widget.is_displayed()


@requires_chromium
@pytest.mark.parametrize("module", [False, True], ids=["classic", "module"])
def test_widget_without_an_endpoint_asks_the_origin_it_was_loaded_from(browser, live_server, host_site, module):
    page = host_site(f"no-endpoint-{module}.html", live_server, endpoint_attribute=False, module=module)
    browser.get_log("browser")
    root = type_into_widget(browser, page, "التحالف ")
    assert wait_until(browser, lambda: widget_options(root))
    assert widget_message(root) is None and policy_violations(browser) == []


@requires_chromium
def test_widget_reads_a_relative_endpoint_against_the_pages_address(browser, live_server, host_site):
    relative = "//" + urllib.parse.urlsplit(live_server).netloc  # the page's scheme, the service's host
    page = host_site("relative-endpoint.html", live_server, endpoint_attribute=False, attributes=f'endpoint="{relative}"')
    root = type_into_widget(browser, page, "التحالف ")
    wait_until(browser, lambda: widget_options(root))
    type_keys(browser, Keys.ARROW_DOWN, Keys.ENTER)
    wait_until(browser, lambda: browser.current_url.startswith(live_server + "/documents/"))
    assert wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, ".paragraph:target"))


@requires_chromium
def test_widget_searches_only_the_sources_it_is_given(browser, live_server, host_site):
    source = "بوابة روزا اليوسف"
    root = type_into_widget(browser, host_site("one-source.html", live_server, attributes=f'source="{source}"'), "التحالف ")
    metas = wait_until(browser, lambda: root.find_elements(By.CSS_SELECTOR, "[role=option] .meta"))
    assert all(m.text.startswith(source) for m in metas)


@requires_chromium
def test_widget_searches_a_source_with_a_comma_in_its_name(browser, latin_server, host_site):
    page = host_site("comma.html", latin_server, attributes='source="S&amp;P\\, Inc., another source"')
    root = type_into_widget(browser, page, "WHO ")
    metas = wait_until(browser, lambda: root.find_elements(By.CSS_SELECTOR, "[role=option] .meta"))
    assert len(metas) == 1 and metas[0].text.startswith(AGENCY)


@requires_chromium
def test_widget_shows_at_most_a_hundred_results(browser, live_server, host_site):
    browser.get(host_site("five-hundred.html", live_server))
    root, combobox = wait_until(browser, lambda: widget_parts(browser))
    browser.execute_script("document.querySelector('arabic-search').setAttribute('per-page', '500')")
    combobox.click()
    type_keys(browser, "داعش ")
    options = wait_until(browser, lambda: widget_options(root))
    assert widget_message(root) is None and len(options) > 5
    asked = browser.execute_script(
        "return performance.getEntriesByType('resource').map((e) => new URL(e.name))"
        ".filter((u) => u.pathname === '/api/search').map((u) => u.searchParams.get('per_page'))"
    )
    assert asked == ["100"]


@requires_chromium
def test_widget_can_show_the_newest_first(browser, live_server, host_site):
    root = type_into_widget(browser, host_site("newest.html", live_server, attributes='sort="date"'), "التحالف ")
    metas = wait_until(browser, lambda: root.find_elements(By.CSS_SELECTOR, "[role=option] .meta"))
    assert "2024" in metas[0].text  # by relevance, the first result is undated
    type_keys(browser, Keys.ENTER)  # no result chosen: the service's page, in the same order
    wait_until(browser, lambda: browser.current_url.startswith(live_server))
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(browser.current_url).query) == {"q": ["التحالف"], "sort": ["date"]}
    wait_until(browser, lambda: chosen(browser, "sort") == "date")


@requires_chromium
def test_widget_can_show_one_result_per_document(browser, live_server, host_site):
    page = host_site("per-document.html", live_server, attributes='collapse="document" per-page="10"')
    root = type_into_widget(browser, page, "وزراء الخارجية ")

    def five_results():
        options = root.find_elements(By.CSS_SELECTOR, "[role=option]:not(.more)")
        return options if len(options) == 5 else None

    assert len({option.text.split("\n")[0] for option in wait_until(browser, five_results)}) == 5  # five documents
    type_keys(browser, Keys.ENTER)  # the service's page, one result per document too
    wait_until(browser, lambda: browser.current_url.startswith(live_server))
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(browser.current_url).query)["collapse"] == ["document"]
    wait_until(browser, lambda: chosen(browser, "collapse") == "document")


@requires_chromium
def test_search_page_searches_and_keeps_the_search_in_the_url(browser, live_server):
    browser.get(live_server + "/")
    html = browser.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    search_box = browser.find_element(By.ID, "q")
    search_box.send_keys("التحالف", Keys.ENTER)

    results = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))
    assert all(r.find_elements(By.CSS_SELECTOR, ".snippet mark") for r in results)
    assert all(r.find_element(By.CSS_SELECTOR, ".result-title").text for r in results)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(browser.current_url).query)["q"] == ["التحالف"]
    assert browser.find_element(By.ID, "status").text
    screenshot(browser, "search-page.png")

    first_page = [r.text for r in results]
    browser.find_element(By.CSS_SELECTOR, "#pagination a[data-page='2']").click()
    wait_until(browser, lambda: current_page(browser) == "2")
    assert "page=2" in browser.current_url and browser.title == "التحالف — الصفحة 2 — البحث العربي"
    assert [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#results .result")] != first_page

    browser.back()
    wait_until(browser, lambda: current_page(browser) == "1")
    assert "page=2" not in browser.current_url


_READING_ORDER = """
const text = document.createTreeWalker(arguments[0], NodeFilter.SHOW_TEXT).nextNode();
const left = (i) => { const r = document.createRange(); r.setStart(text, i); r.setEnd(text, i + 1); return r.getBoundingClientRect().left; };
return [left(0), left(text.length - 1)];
"""


@requires_chromium
def test_a_result_of_a_document_without_a_title_is_named_by_its_opening_words(browser, live_server):
    # Seed 000 has no headline: not its file name (000_b0b6bfff154b50a2) but the paragraph's first words.
    browser.get(live_server + "/?q=" + urllib.parse.quote('"ووافق المجتمعون على تخصيص"'))
    results = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))
    untitled = next(r for r in results if "000_b0b6bfff154b50a2" in r.find_element(By.CSS_SELECTOR, ".result-meta a").get_attribute("href"))
    title = untitled.find_element(By.CSS_SELECTOR, ".result-title").text
    with urllib.request.urlopen(live_server + "/api/documents/000_b0b6bfff154b50a2") as answer:
        paragraphs = {p["position"]: p["text"] for p in json.loads(answer.read())["paragraphs"]}
    position = int(untitled.find_element(By.CSS_SELECTOR, ".result-meta a").get_attribute("href").rsplit("#p", 1)[1])
    assert title == " ".join(paragraphs[position].split()[:8]) + "…"
    untitled.find_element(By.CSS_SELECTOR, ".result-title a").click()
    assert document_shown(browser, live_server, "000_b0b6bfff154b50a2").endswith("…")


@requires_chromium
def test_a_document_known_only_by_its_id_shows_it_in_its_own_order(browser, live_server):
    # A copy in seed 000, which has no headline, is listed by its file name, a Latin run in the right-to-left page.
    browser.get(live_server + "/?q=" + urllib.parse.quote("وكرر الوزراء دعوتهم"))
    copies = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .duplicates li bdi"))
    untitled = [c for c in copies if c.get_attribute("textContent") == "000_b0b6bfff154b50a2"]
    assert untitled
    browser.execute_script("arguments[0].closest('details').open = true", untitled[0])
    first, last = browser.execute_script(_READING_ORDER, untitled[0])
    assert first < last  # 000_ at the left, read left to right, not moved to the right end


_ENDS = """
const walker = document.createTreeWalker(arguments[0], NodeFilter.SHOW_TEXT);
const texts = [];
while (walker.nextNode()) if (walker.currentNode.data.trim()) texts.push(walker.currentNode);
const left = (text, i) => { const r = document.createRange(); r.setStart(text, i); r.setEnd(text, i + 1); return r.getBoundingClientRect().left; };
const last = texts[texts.length - 1];
return [left(texts[0], 0), left(last, last.data.trimEnd().length - 1)];
"""


def exactly(count, find):
    """A condition for ``wait_until``: the elements ``find()`` gives, once there are ``count`` of them."""
    def condition():
        found = find()
        return found if len(found) == count else None
    return condition


def reads_left_to_right(driver, element):
    """Whether the first letter of ``element``'s text is shown left of its last character."""
    first, last = driver.execute_script(_ENDS, element)
    return first < last


@requires_chromium
def test_latin_text_reads_left_to_right_and_arabic_right_to_left(browser, latin_server, host_site):
    browser.get(latin_server + "/?q=WHO")
    results = wait_until(browser, exactly(2, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result")))
    by_title = {r.find_element(By.CSS_SELECTOR, ".result-title").text: r for r in results}
    latin, arabic = by_title["WHO report, 2024."], by_title["تقرير المنظمة"]
    assert reads_left_to_right(browser, latin.find_element(By.CSS_SELECTOR, ".snippet"))  # "fell by 20%." ends at the right
    assert not reads_left_to_right(browser, arabic.find_element(By.CSS_SELECTOR, ".snippet"))
    assert reads_left_to_right(browser, latin.find_element(By.CSS_SELECTOR, ".result-meta bdi"))
    chip = [c for c in browser.find_elements(By.CSS_SELECTOR, "#source-facets .chip") if AGENCY in c.text][0]
    assert reads_left_to_right(browser, chip.find_element(By.TAG_NAME, "bdi"))  # not ".S&P, Inc"
    screenshot(browser, "search-page-latin.png")

    browser.get(latin_server + "/documents/latin?q=WHO")
    assert reads_left_to_right(browser, wait_until(browser, lambda: browser.find_element(By.ID, "p1")))
    assert reads_left_to_right(browser, browser.find_element(By.CSS_SELECTOR, ".result-meta bdi"))
    browser.get(latin_server + "/documents/arabic")
    assert not reads_left_to_right(browser, wait_until(browser, lambda: browser.find_element(By.ID, "p1")))

    root = type_into_widget(browser, host_site("latin.html", latin_server), "WHO ")
    options = wait_until(browser, exactly(2, lambda: root.find_elements(By.CSS_SELECTOR, "[role=option]:not(.more)")))
    snippets = {o.find_element(By.CSS_SELECTOR, ".title").text: o.find_element(By.CSS_SELECTOR, ".snippet") for o in options}
    assert reads_left_to_right(browser, snippets["WHO report, 2024."])
    assert not reads_left_to_right(browser, snippets["تقرير المنظمة"])


@contextlib.contextmanager
def window_size(driver, width, height):
    """The browser's window at ``width`` × ``height`` for a while, then at ``WINDOW_SIZE`` again."""
    driver.set_window_size(width, height)
    try:
        yield
    finally:
        driver.set_window_size(*WINDOW_SIZE)


def widget_list_open(driver, page, text="التحالف "):
    """Type ``text`` into the widget of ``page``; its shadow root once the list shows options."""
    root = type_into_widget(driver, page, text)
    wait_until(driver, lambda: widget_options(root))
    return root


def list_and_box(driver, root):
    """The left and right edges, in the window, of the widget's list and of its box; the window's width."""
    return driver.execute_script(
        "const edges = (e) => [e.getBoundingClientRect().left, e.getBoundingClientRect().right];"
        "return [edges(arguments[0]), edges(arguments[1]), document.documentElement.clientWidth]",
        root.find_element(By.CSS_SELECTOR, ".panel"), root.find_element(By.CSS_SELECTOR, "input"),
    )


def inside_the_window(driver, root):
    (left, right), _, window_width = list_and_box(driver, root)
    return 0 <= left and right <= window_width


@requires_chromium
@pytest.mark.parametrize("name, column", [
    pytest.param(name, column, id=name) for name, column in [
        ("rtl-left", "html { direction: rtl } #column { position: absolute; left: 0; width: 220px }"),
        ("rtl-right", "html { direction: rtl } #column { position: absolute; right: 0; width: 220px }"),
        ("ltr-left", "#column { position: absolute; left: 0; width: 220px }"),
        ("ltr-centred", "#column { margin: 0 auto; width: 260px }"),
        ("rtl-scaled", "html { direction: rtl } #column { position: absolute; left: 0; width: 160px; transform: scale(1.5); transform-origin: left top }"),
    ]
])
def test_widget_list_under_a_narrow_box_is_wider_and_inside_the_window(browser, live_server, host_site, name, column):
    with window_size(browser, 1000, 800):
        root = widget_list_open(browser, host_site(f"narrow-{name}.html", live_server, css=column))
        options = widget_options(root)
        assert all(o.is_displayed() for o in options) and policy_violations(browser) == []
        (list_left, list_right), (box_left, box_right), _ = list_and_box(browser, root)
        assert list_right - list_left > 1.3 * (box_right - box_left)
        assert inside_the_window(browser, root)
        assert round(list_left) == round(box_left) or round(list_right) == round(box_right)  # it hangs from the box
        screenshot(browser, f"widget-narrow-{name}.png")

        browser.set_window_size(330, 800)  # narrower than the list: the list follows the window
        assert wait_until(browser, lambda: inside_the_window(browser, root))
        assert all(o.is_displayed() for o in options)


@requires_chromium
@pytest.mark.parametrize("sidebar", [
    "overflow-y: auto",
    "overflow-y: scroll; border-left: 12px solid",  # its scrollbar on the left, as in a right-to-left page, and a border
])
def test_widget_list_stays_inside_a_sidebar_that_scrolls(browser, live_server, host_site, sidebar):
    """A sidebar whose overflow scrolls (or is hidden) clips the list at its edges: the list keeps inside them."""
    column = f"html {{ direction: rtl }} #column {{ position: absolute; left: 0; width: 300px; height: 600px; {sidebar} }} arabic-search {{ display: block; width: 200px }}"
    with window_size(browser, 1000, 800):
        root = widget_list_open(browser, host_site(f"scrolling-sidebar-{len(sidebar)}.html", live_server, css=column))
        (list_left, list_right), (box_left, box_right), _ = list_and_box(browser, root)
        inside_left, inside_right = browser.execute_script(
            "const c = document.getElementById('column'), left = c.getBoundingClientRect().left + c.clientLeft;"
            "return [left, left + c.clientWidth]"
        )
        assert list_right - list_left > box_right - box_left
        assert inside_left <= list_left and list_right <= inside_right
        assert not scrolls_sideways(browser, "document.getElementById('column')")


@requires_chromium
def test_widget_list_stays_inside_a_clipping_element_it_is_slotted_into(browser, live_server, host_site):
    """A component of the host page shows the widget through a slot, inside an element of its own that scrolls."""
    with window_size(browser, 1000, 800):
        browser.get(host_site("slotted.html", live_server, css="html { direction: rtl } arabic-search { display: block; width: 200px }"))
        wait_until(browser, lambda: widget_parts(browser))
        browser.execute_script(
            "const component = document.createElement('div'); document.body.append(component);"
            "const frame = document.createElement('div');"
            "Object.assign(frame.style, {position: 'absolute', left: '0', top: '0', width: '300px', height: '600px', overflowY: 'auto'});"
            "frame.append(document.createElement('slot')); component.attachShadow({mode: 'open'}).append(frame);"
            "component.append(document.querySelector('arabic-search'));"
        )
        root, combobox = wait_until(browser, lambda: widget_parts(browser))
        combobox.click()
        type_keys(browser, "التحالف ")
        wait_until(browser, lambda: widget_options(root))
        (list_left, list_right), (box_left, box_right), _ = list_and_box(browser, root)
        frame_left, frame_right = browser.execute_script(
            "const frame = document.body.lastElementChild.shadowRoot.firstElementChild.getBoundingClientRect(); return [frame.left, frame.right]"
        )
        assert list_right - list_left > box_right - box_left and frame_left <= list_left and list_right <= frame_right


@requires_chromium
def test_widget_list_is_not_bounded_by_an_element_without_a_box(browser, live_server, host_site):
    """An element of display: contents clips nothing, whatever its overflow says."""
    column = "html { direction: rtl } #column { display: contents; overflow: hidden } arabic-search { display: block; width: 200px; margin-right: 784px }"
    with window_size(browser, 1000, 800):
        root = widget_list_open(browser, host_site("contents-column.html", live_server, css=column))
        (list_left, list_right), (box_left, box_right), _ = list_and_box(browser, root)
        assert list_right - list_left > 1.3 * (box_right - box_left) and inside_the_window(browser, root)


@requires_chromium
def test_widget_list_follows_its_box_when_the_box_changes_size(browser, live_server, host_site):
    column = "html { direction: rtl } #column { position: absolute; right: 0; width: 220px }"
    with window_size(browser, 1000, 800):
        root = widget_list_open(browser, host_site("growing-sidebar.html", live_server, css=column))
        list_edges, box_edges, _ = list_and_box(browser, root)
        assert list_edges[1] - list_edges[0] > box_edges[1] - box_edges[0]
        browser.execute_script("document.getElementById('column').style.width = '600px'")  # the window keeps its size
        assert wait_until(browser, lambda: (lambda edges: edges[0] == edges[1])(list_and_box(browser, root)))


@requires_chromium
def test_widget_list_under_a_wide_box_is_as_wide_as_the_box(browser, live_server, host_site):
    root = widget_list_open(browser, host_site("wide.html", live_server))
    list_edges, box_edges, _ = list_and_box(browser, root)
    assert list_edges == box_edges


LONG_WORD = "x" * 300


def scrolls_sideways(driver, element="document.documentElement"):
    return driver.execute_script(f"const e = {element}; return e.scrollWidth > e.clientWidth")


@requires_chromium
@pytest.mark.parametrize("width", [1280, 390])
def test_a_very_long_word_wraps(browser, latin_server, host_site, width):
    with window_size(browser, width, 900):
        browser.get(latin_server + "/?q=" + LONG_WORD)
        assert LONG_WORD in wait_until(browser, lambda: shown(browser, "empty")).text.replace("\n", "")
        assert not scrolls_sideways(browser)
        browser.get(latin_server + "/?q=" + urllib.parse.quote(f'"{LONG_WORD}'))
        wait_until(browser, lambda: shown(browser, "error"))
        assert not scrolls_sideways(browser)
        browser.get(latin_server + "/documents/latin?q=" + LONG_WORD)  # «العودة إلى نتائج «xxx…»»
        wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, ".back"))
        assert not scrolls_sideways(browser)

        root = type_into_widget(browser, host_site("long-word.html", latin_server), "ok")
        enter(browser, root.find_element(By.CSS_SELECTOR, "input"), LONG_WORD + " ")
        wait_until(browser, lambda: widget_message(root))
        assert not scrolls_sideways(browser, "document.querySelector('arabic-search').shadowRoot.querySelector('.panel')")


@requires_chromium
def test_search_page_filters_by_source_facet(browser, live_server):
    browser.get(live_server + "/?q=" + urllib.parse.quote("التحالف"))
    chip = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#source-facets .chip"))[0]
    source = chip.find_element(By.TAG_NAME, "input").get_attribute("value")
    chip.click()
    wait_until(browser, lambda: "source=" in browser.current_url)
    wait_until(browser, lambda: all(source in m.text for m in browser.find_elements(By.CSS_SELECTOR, ".result-meta")))
    assert browser.find_elements(By.CSS_SELECTOR, "#results .result")
    assert browser.find_element(By.CSS_SELECTOR, "#source-facets input:checked").get_attribute("value") == source


def chosen(browser, name):
    """The value checked among the search page's ``name`` options."""
    return browser.find_element(By.CSS_SELECTOR, f"#{name}-options input:checked").get_attribute("value")


def choose_on_page(browser, live_server, q, name, value, default):
    """Search the page for ``q``, then choose ``value`` among its ``name`` options (``default`` before)."""
    browser.get(live_server + "/?q=" + urllib.parse.quote(q))
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))
    assert chosen(browser, name) == default
    browser.find_element(By.CSS_SELECTOR, f"#{name}-options input[value='{value}']").find_element(By.XPATH, "..").click()
    wait_until(browser, lambda: f"{name}={value}" in browser.current_url)


@requires_chromium
def test_search_page_sorts_newest_first_and_keeps_the_order_in_the_url(browser, live_server):
    choose_on_page(browser, live_server, "داعش", "sort", "date", default="relevance")

    def newest_first():
        results = browser.find_elements(By.CSS_SELECTOR, "#results .result")
        dates = [next((t.get_attribute("datetime") for t in r.find_elements(By.CSS_SELECTOR, "time")), "") for r in results]
        return dates and dates == sorted(dates, reverse=True) and dates[0] == "2024-03-29"

    assert wait_until(browser, newest_first)  # by relevance, the first result of this query is undated
    screenshot(browser, "search-page-newest-first.png")
    browser.back()
    wait_until(browser, lambda: "sort=date" not in browser.current_url)
    wait_until(browser, lambda: chosen(browser, "sort") == "relevance")


@requires_chromium
def test_search_page_shows_one_result_per_document_and_keeps_the_choice_in_the_url(browser, live_server):
    choose_on_page(browser, live_server, "وزراء الخارجية", "collapse", "document", default="duplicates")

    def one_per_document():
        results = browser.find_elements(By.CSS_SELECTOR, "#results .result")
        titles = [r.find_element(By.CSS_SELECTOR, ".result-title").text for r in results]
        return len(results) == 5 and len(set(titles)) == 5 and titles

    wait_until(browser, one_per_document)
    assert browser.find_element(By.ID, "status").text == "39 نتيجة في 5 مقالات"
    more = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "#results .more-in-document")]
    assert more[0] == "11 فقرة أخرى مطابقة في المقال"
    screenshot(browser, "search-page-one-per-document.png")
    browser.back()
    wait_until(browser, lambda: "collapse=document" not in browser.current_url)
    wait_until(browser, lambda: len(browser.find_elements(By.CSS_SELECTOR, "#results .result")) == 10)
    assert not browser.find_elements(By.CSS_SELECTOR, "#results .more-in-document")


def choose_date(browser, element_id, value):
    browser.execute_script(
        "const input = document.getElementById(arguments[0]); input.value = arguments[1];"
        "input.dispatchEvent(new Event('change', {bubbles: true}));",
        element_id, value,
    )


@requires_chromium
def test_search_page_lists_ten_copies_of_a_republished_paragraph_and_counts_the_rest(browser, republished_server):
    browser.get(republished_server + "/?q=" + urllib.parse.quote("حملة التطعيم"))
    copies = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result details.duplicates"))
    assert len(copies) == 1
    summary = copies[0].find_element(By.TAG_NAME, "summary")
    assert summary.text == "نُشرت هذه الفقرة أيضًا في 14 موضعًا آخر"
    summary.click()
    items = wait_until(browser, lambda: [li.text for li in copies[0].find_elements(By.TAG_NAME, "li") if li.text])
    assert len(items) == 11 and all(item.startswith("خبر الموقع") for item in items[:10])
    assert items[10] == "و4 مواضع أخرى"
    screenshot(browser, "search-page-republished.png")


@requires_chromium
def test_a_copy_without_an_address_of_its_own_links_to_its_document_here(browser, republished_server):
    query = "حملة التطعيم"
    browser.get(republished_server + "/?q=" + urllib.parse.quote(query))
    copies = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result details.duplicates"))[0]
    copies.find_element(By.TAG_NAME, "summary").click()
    links = wait_until(browser, lambda: [a for a in copies.find_elements(By.CSS_SELECTOR, "li a") if a.is_displayed()])
    assert len(links) == 10
    title = links[0].text
    number = title.rsplit(" ", 1)[1]
    href = urllib.parse.urlsplit(links[0].get_attribute("href"))
    assert (href.path, urllib.parse.parse_qs(href.query), href.fragment) == (f"/documents/site{int(number):02d}", {"q": [query]}, "p2")
    links[0].click()
    target = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, ".paragraph:target"))[0]
    assert browser.find_element(By.ID, "document-title").text == title
    assert {m.text for m in target.find_elements(By.TAG_NAME, "mark")} == {"حملة", "التطعيم"}


@requires_chromium
def test_search_page_filters_by_date_and_says_what_is_wrong_with_a_range(browser, live_server):
    browser.get(live_server + "/?q=" + urllib.parse.quote("داعش"))
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))
    choose_date(browser, "date-from", "2024-01-01")
    wait_until(browser, lambda: "date_from=2024-01-01" in browser.current_url)

    def all_from_2024():
        results = browser.find_elements(By.CSS_SELECTOR, "#results .result")
        dates = [next((t.get_attribute("datetime") for t in r.find_elements(By.CSS_SELECTOR, "time")), "") for r in results]
        return dates and all(d >= "2024-01-01" for d in dates)

    assert wait_until(browser, all_from_2024)
    choose_date(browser, "date-to", "2020-01-01")
    error = wait_until(browser, lambda: shown(browser, "error"))
    assert "تاريخ البداية بعد تاريخ النهاية" in error.text
    assert browser.find_element(By.ID, "filters").is_displayed()  # the range can be mended
    choose_date(browser, "date-to", "")
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result") and not shown(browser, "error"))


@requires_chromium
def test_typing_a_date_searches_once_it_is_complete(browser, live_server):
    kept = browser.current_window_handle
    browser.switch_to.new_window("tab")  # a history of its own: a tab's stops growing at 50 entries
    try:
        _type_a_date(browser, live_server)
    finally:
        close_tabs_but(browser, kept)


def _type_a_date(browser, live_server):
    browser.get(live_server + "/?q=" + urllib.parse.quote("داعش"))
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))
    entries = browser.execute_script("return history.length")
    date_from = browser.find_element(By.ID, "date-from")
    browser.execute_script("arguments[0].focus()", date_from)
    for key in "01032024":  # month, day, then the year digit by digit: 0002, 0020, 0202, 2024
        date_from.send_keys(key)
        time.sleep(0.1)
    typed = date_from.get_attribute("value")
    assert typed.startswith("2024-")
    wait_until(browser, lambda: f"date_from={typed}" in browser.current_url)
    time.sleep(0.5)
    assert browser.execute_script("return history.length") == entries + 1
    sent = browser.execute_script(
        "return performance.getEntriesByType('resource').map((e) => new URL(e.name))"
        ".filter((u) => u.pathname === '/api/search' && u.searchParams.has('date_from'))"
        ".map((u) => u.searchParams.get('date_from'))"
    )
    assert sent == [typed]
    assert not shown(browser, "error")


@requires_chromium
def test_search_page_narrows_to_a_year_and_back(browser, live_server):
    browser.get(live_server + "/?q=" + urllib.parse.quote("داعش"))
    box = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#year-facets input[value='2021']"))[0]
    box.find_element(By.XPATH, "..").click()
    wait_until(browser, lambda: "date_from=2021-01-01" in browser.current_url and "date_to=2021-12-31" in browser.current_url)

    def dates_shown():
        return [t.get_attribute("datetime") for t in browser.find_elements(By.CSS_SELECTOR, "#results .result time")]

    wait_until(browser, lambda: dates_shown() and all(d.startswith("2021") for d in dates_shown()))
    assert browser.find_element(By.CSS_SELECTOR, "#year-facets input:checked").get_attribute("value") == "2021"
    assert browser.find_element(By.ID, "date-from").get_attribute("value") == "2021-01-01"
    browser.find_element(By.CSS_SELECTOR, "#year-facets input:checked").find_element(By.XPATH, "..").click()
    wait_until(browser, lambda: "date_from" not in browser.current_url and not browser.find_elements(By.CSS_SELECTOR, "#year-facets input:checked"))


_FILTERS_IN_VIEW = """
const filters = document.getElementById("filters");
const last = [...filters.querySelectorAll(".chip")].pop();
filters.scrollTop = filters.scrollHeight;
const box = filters.getBoundingClientRect();
return [box.top >= 0 && box.bottom <= innerHeight, last.getBoundingClientRect().bottom <= innerHeight];
"""


@requires_chromium
def test_the_filters_taller_than_the_screen_scroll_on_their_own(browser, live_server):
    with window_size(browser, 1280, 600):
        browser.get(live_server + "/?q=" + urllib.parse.quote("داعش"))
        wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#source-facets .chip"))
        assert browser.execute_script("return document.getElementById('filters').scrollHeight > innerHeight")
        browser.execute_script("window.scrollTo(0, 600)")
        assert browser.execute_script(_FILTERS_IN_VIEW) == [True, True]  # the last source, without reading to the end


@requires_chromium
def test_search_page_on_a_phone(browser, live_server):
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
    )
    try:
        browser.get(live_server + "/?q=" + urllib.parse.quote("وزراء الخارجية"))
        wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result mark"))
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390
        # The order and filters are folded under one line: the first result is on the first screen.
        first = browser.find_element(By.CSS_SELECTOR, "#results .result")
        assert first.rect["y"] < 844 / 2 and not browser.find_element(By.ID, "sort-options").is_displayed()
        screenshot(browser, "search-page-phone.png")
        browser.find_element(By.ID, "filters-toggle").click()
        browser.find_element(By.CSS_SELECTOR, "#sort-options input[value='date']").find_element(By.XPATH, "..").click()
        wait_until(browser, lambda: browser.find_element(By.ID, "filters-toggle").text == "الترتيب والتصفية (1)")
        assert "sort=date" in browser.current_url and browser.find_element(By.ID, "sort-options").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def focused(driver):
    """The focused element as ``tag#id[value]``."""
    return driver.execute_script(
        "const e = document.activeElement; return `${e.localName}#${e.id}[${e.getAttribute('value') || ''}]`"
    )


@requires_chromium
def test_focus_stays_on_the_redrawn_control_or_goes_to_the_results(browser, live_server):
    browser.get(live_server + "/?q=" + urllib.parse.quote("داعش"))
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))
    browser.find_element(By.CSS_SELECTOR, "#pagination a[aria-label='الصفحة التالية']").send_keys(Keys.ENTER)
    wait_until(browser, lambda: current_page(browser) == "2")
    assert focused(browser) == "h2#results-heading[]"  # the new page is read from its top

    for facets, value in [("year-facets", "2024"), ("source-facets", "seeds")]:
        box = browser.find_element(By.CSS_SELECTOR, f"#{facets} input[value='{value}']")
        box.send_keys(Keys.SPACE)
        wait_until(browser, lambda: "page=2" not in browser.current_url)
        wait_until(browser, lambda: browser.find_element(By.CSS_SELECTOR, f"#{facets} input[value='{value}']").is_selected())
        assert focused(browser) == f"input#[{value}]"
        type_keys(browser, Keys.SPACE)  # and back, by the keyboard still
        wait_until(browser, lambda: not browser.find_element(By.CSS_SELECTOR, f"#{facets} input[value='{value}']").is_selected())
        assert focused(browser) == f"input#[{value}]"

    browser.get(live_server + "/?q=" + urllib.parse.quote(MISSPELLED))
    wait_until(browser, lambda: shown(browser, "suggestion-link")).send_keys(Keys.ENTER)
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))
    assert focused(browser) == "h2#results-heading[]"


@requires_chromium
def test_searching_again_for_the_same_adds_no_history_entry(browser, live_server):
    browser.get(live_server + "/")
    browser.find_element(By.ID, "q").send_keys("التحالف", Keys.ENTER)
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))
    browser.find_element(By.ID, "q").send_keys(Keys.ENTER, Keys.ENTER)
    wait_until(browser, lambda: browser.find_element(By.ID, "results").get_attribute("aria-busy") == "false")
    browser.back()  # one step back is the page before the search
    wait_until(browser, lambda: browser.current_url == live_server + "/" and shown(browser, "welcome"))


@requires_chromium
def test_search_page_has_a_heading_a_way_past_the_filters_and_facets_read_with_their_counts(browser, live_server):
    browser.get(live_server + "/?q=" + urllib.parse.quote("داعش"))
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))
    assert len(browser.find_elements(By.TAG_NAME, "h1")) == 1

    box = browser.find_element(By.CSS_SELECTOR, "#year-facets input[value='2024']")
    count = box.find_element(By.XPATH, "..").find_element(By.CSS_SELECTOR, ".count").text
    assert re.fullmatch(rf"2024، {count} (فقرة|فقرات)", box.accessible_name)  # the facets count paragraphs

    browser.find_element(By.ID, "q").click()
    type_keys(browser, Keys.TAB, Keys.TAB)  # the search button, then the way past the order and filters
    skip = browser.switch_to.active_element
    assert skip.accessible_name == "انتقل إلى النتائج" and skip.size["width"] > 1 and skip.is_displayed()
    entries = browser.execute_script("return history.length")
    type_keys(browser, Keys.ENTER)
    assert focused(browser) == "h2#results-heading[]"
    assert browser.execute_script("return history.length") == entries and "#" not in browser.current_url


@requires_chromium
def test_search_page_shows_empty_state_and_did_you_mean(browser, live_server):
    browser.get(live_server + "/?q=" + urllib.parse.quote(MISSPELLED))
    empty = wait_until(browser, lambda: shown(browser, "empty"))
    assert MISSPELLED in empty.text
    assert not shown(browser, "empty-filter-tip")  # no filter is set: no advice to remove one
    suggestion = wait_until(browser, lambda: shown(browser, "suggestion-link"))
    screenshot(browser, "search-page-did-you-mean.png")
    corrected = suggestion.text
    suggestion.click()
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result mark"))
    assert browser.find_element(By.ID, "q").get_attribute("value") == corrected
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(browser.current_url).query)["q"] == [corrected]
    assert not shown(browser, "empty")


@requires_chromium
def test_the_count_is_of_the_results_shown_and_says_how_many_paragraphs_match(browser, live_server):
    # الثلاثاء matches a paragraph and its republished copy: one result, listing the copy.
    browser.get(live_server + "/?q=" + urllib.parse.quote("الثلاثاء"))
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#results .result")) == 1
    assert browser.find_element(By.ID, "status").text == "نتيجة واحدة (الفقرات المطابقة: 2)"


@requires_chromium
def test_an_empty_result_under_a_filter_advises_widening_it_and_names_no_synonyms(browser, live_server):
    browser.get(live_server + "/?" + urllib.parse.urlencode({"q": "شباط", "source": "no-such-source"}))
    wait_until(browser, lambda: shown(browser, "empty"))
    assert shown(browser, "empty-filter-tip")
    assert not shown(browser, "synonyms")  # "the results also hold فبراير" above no results would contradict it


@requires_chromium
def test_search_page_says_which_other_names_of_a_month_it_found(browser, live_server):
    browser.get(live_server + "/?q=" + urllib.parse.quote("شباط"))
    line = wait_until(browser, lambda: shown(browser, "synonyms"))
    assert "فبراير" in line.text and "فيفري" in line.text
    marked = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "#results .result mark")]
    assert "شباط" in marked and "فبراير" in marked
    screenshot(browser, "search-page-synonyms.png")
    browser.find_element(By.ID, "q").clear()
    browser.find_element(By.ID, "q").send_keys("التحالف" + Keys.ENTER)
    wait_until(browser, lambda: urllib.parse.parse_qs(urllib.parse.urlsplit(browser.current_url).query).get("q") == ["التحالف"])
    # The new results, not those of شباط still on the page.
    wait_until(browser, lambda: any("التحالف" in m.text for m in browser.find_elements(By.CSS_SELECTOR, "#results .result mark")))
    assert not shown(browser, "synonyms")


LATIN = re.compile("[A-Za-z]")


@requires_chromium
@pytest.mark.parametrize(
    ("search", "said"),
    [
        ("q=في", "الكلمات الشائعة"),
        ('q="وزير', "علامة التنصيص غير مغلقة"),
        ("q=(داعش", "الأقواس غير متوازنة"),
        ("q=ك*", "بداية أطول للكلمة"),
        ("q=داعش&date_from=2024", "«تاريخ البداية» ليس تاريخًا صحيحًا"),
        ("q=داعش&date_from=2025-01-01&date_to=2024-01-01", "تاريخ البداية بعد تاريخ النهاية"),
        ("q=" + "داعش " * 60, "كلمات البحث كثيرة (50 على الأكثر)"),
    ],
    ids=["stop-words", "open-quote", "open-bracket", "short-wildcard", "bad-date", "dates-reversed", "too-many-words"],
)
def test_search_page_says_in_arabic_why_a_search_is_refused(browser, live_server, search, said):
    query = urllib.parse.urlencode(urllib.parse.parse_qsl(search))
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(f"{live_server}/api/search?{query}")
    assert answer.value.code == 400  # the API keeps its English message, for programs
    browser.get(f"{live_server}/?{query}")
    error = wait_until(browser, lambda: shown(browser, "error"))
    assert said in error.text and not LATIN.search(error.text)
    assert error.get_attribute("role") == "alert"
    screenshot(browser, "search-page-error.png")


@requires_chromium
@pytest.mark.parametrize("words", [120, 400], ids=["refused-by-the-api", "refused-by-the-server"])
def test_a_pasted_query_too_long_is_said_to_be_too_long(browser, live_server, host_site, words):
    too_long = "البحث أطول مما يُقبل (500 حرف على الأكثر): اختصره."
    query = "كتاب " * words  # 600 letters and spaces; 2,000, whose address is too long for the server
    browser.get(live_server + "/")
    enter(browser, browser.find_element(By.ID, "q"), query)
    browser.find_element(By.ID, "q").send_keys(Keys.ENTER)
    error = wait_until(browser, lambda: shown(browser, "error"))
    assert [e.text for e in error.find_elements(By.CSS_SELECTOR, ".error-message")] == [too_long]

    root = type_into_widget(browser, host_site("too-long.html", live_server), "كتاب")
    enter(browser, root.find_element(By.CSS_SELECTOR, "input"), query)
    assert wait_until(browser, lambda: widget_message(root)) == too_long


@requires_chromium
def test_search_page_refusing_a_search_shows_the_order_and_filters_it_was_asked_for(browser, live_server):
    browser.get(live_server + "/?" + urllib.parse.urlencode(
        {"q": '"التحالف', "source": "X", "sort": "date", "collapse": "document", "date_from": "2021-01-01"}
    ))
    assert "علامة التنصيص غير مغلقة" in wait_until(browser, lambda: shown(browser, "error")).text
    assert browser.find_element(By.ID, "filters").is_displayed()
    assert (chosen(browser, "sort"), chosen(browser, "collapse")) == ("date", "document")
    assert browser.find_element(By.ID, "date-from").get_attribute("value") == "2021-01-01"
    assert [box.get_attribute("value") for box in browser.find_elements(By.CSS_SELECTOR, "#source-facets input:checked")] == ["X"]
    assert browser.find_element(By.ID, "filters-toggle").get_attribute("textContent") == "الترتيب والتصفية (4)"

    browser.get(live_server + "/?" + urllib.parse.urlencode({"q": "التحالف", "date_from": "2024-05-01", "date_to": "2023-01-01"}))
    assert "تاريخ البداية بعد تاريخ النهاية" in wait_until(browser, lambda: shown(browser, "error")).text
    dates = [browser.find_element(By.ID, name).get_attribute("value") for name in ("date-from", "date-to")]
    assert dates == ["2024-05-01", "2023-01-01"]


@requires_chromium
@pytest.mark.parametrize("page", [50, 999], ids=["past-the-end", "past-the-paging"])
def test_search_page_moves_a_page_past_the_end_to_the_last_page(browser, live_server, page):
    browser.get(f"{live_server}/?q={urllib.parse.quote('التحالف')}&page={page}")
    wait_until(browser, lambda: f"page={page}" not in browser.current_url and browser.find_elements(By.CSS_SELECTOR, "#results .result"))
    last = browser.find_elements(By.CSS_SELECTOR, "#pagination a[data-page]")[-1].get_attribute("data-page")  # no «next»
    assert current_page(browser) == last and int(last) > 1
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(browser.current_url).query)["page"] == [last]
    assert not shown(browser, "error")


@requires_chromium
def test_widget_shows_no_error_for_a_query_still_being_typed(browser, live_server, host_site):
    root = type_into_widget(browser, host_site("typing.html", live_server), "في ")
    wait_until(browser, lambda: searched(browser, "في"))
    type_keys(browser, '"وزير')
    wait_until(browser, lambda: searched(browser, 'في "وزير'))
    time.sleep(0.3)
    assert widget_message(root) is None and not root.find_element(By.CSS_SELECTOR, ".panel").is_displayed()
    # Once typing stops, the widget says what the query lacks.
    assert "علامة التنصيص غير مغلقة" in wait_until(browser, lambda: widget_message(root))
    type_keys(browser, ' الخارجية"')
    assert wait_until(browser, lambda: widget_options(root))


@requires_chromium
def test_widget_says_in_arabic_what_is_wrong_with_its_attributes(browser, live_server, host_site):
    root = type_into_widget(browser, host_site("bad-date.html", live_server, attributes='date-from="2024"'), "التحالف ")
    message = wait_until(browser, lambda: widget_message(root))
    assert "«تاريخ البداية» ليس تاريخًا صحيحًا" in message and not LATIN.search(message)


@requires_chromium
def test_a_refused_start_date_is_said_to_be_wrong_or_after_the_end_as_the_case_is(browser, live_server, host_site):
    impossible = "«تاريخ البداية» ليس تاريخًا صحيحًا: اكتبه هكذا 2024-01-31."
    reversed_dates = "تاريخ البداية بعد تاريخ النهاية: غيّر أحدهما."
    root = type_into_widget(browser, host_site("no-such-date.html", live_server, attributes='date-from="2024-02-30"'), "التحالف ")
    assert wait_until(browser, lambda: widget_message(root)) == impossible
    page = host_site("reversed.html", live_server, attributes='date-from="2024-05-01" date-to="2023-01-01"')
    root = type_into_widget(browser, page, "التحالف ")
    assert wait_until(browser, lambda: widget_message(root)) == reversed_dates
    browser.get(live_server + "/?" + urllib.parse.urlencode({"q": "التحالف", "date_from": "2024-02-30"}))
    assert wait_until(browser, lambda: shown(browser, "error")).find_element(By.CSS_SELECTOR, ".error-message").text == impossible
    # A Hijri date is compared as the date it is (1445-12-01 is 7 June 2024); the widget cannot tell
    # whether a Hijri day exists, so it gives both reasons.
    root = type_into_widget(browser, host_site("hijri.html", live_server, attributes='date-from="1445-12-01" date-to="2024-01-01"'), "التحالف ")
    assert wait_until(browser, lambda: widget_message(root)).endswith("أو لعله بعد تاريخ النهاية.")
    browser.get(live_server + "/?" + urllib.parse.urlencode({"q": "التحالف", "date_from": "2024-01-01", "date_to": "1445-12-01"}))
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))
    assert not shown(browser, "error")


@requires_chromium
def test_without_an_index_the_page_and_the_widget_say_so_in_arabic(browser, no_index_server, host_site):
    browser.get(no_index_server + "/?q=" + urllib.parse.quote("التحالف"))
    error = wait_until(browser, lambda: shown(browser, "error"))
    assert "الفهرس غير متاح الآن: حاول بعد قليل." in error.text
    assert not LATIN.search(error.text)  # neither the server's path nor an admin's command
    root = type_into_widget(browser, host_site("no-index.html", no_index_server), "التحالف ")
    message = wait_until(browser, lambda: widget_message(root))
    assert message == "الفهرس غير متاح الآن: حاول بعد قليل."


@requires_chromium
def test_the_page_and_the_widget_stop_waiting_for_a_service_that_hangs(browser, hanging_server, host_site):
    base, hang = hanging_server
    unreachable = "تعذّر الوصول إلى خدمة البحث. تحقّق من الاتصال وحاول مرة أخرى."
    browser.get(host_site("hanging.html", base))
    host_tab = browser.current_window_handle
    root, combobox = wait_until(browser, lambda: widget_parts(browser))
    browser.switch_to.new_window("tab")
    browser.get(base + "/")
    hang()
    try:
        browser.find_element(By.ID, "q").send_keys("التحالف", Keys.ENTER)
        page_tab = browser.current_window_handle
        browser.switch_to.window(host_tab)
        combobox.click()
        type_keys(browser, "التحالف ")  # both wait at once
        assert wait_until(browser, lambda: widget_message(root), timeout=20) == unreachable
        assert root.find_element(By.ID, "listbox").get_attribute("aria-busy") is None
        browser.switch_to.window(page_tab)
        error = wait_until(browser, lambda: shown(browser, "error"))
        assert error.find_element(By.CSS_SELECTOR, ".error-message").text == unreachable
        assert browser.find_element(By.ID, "results").get_attribute("aria-busy") == "false"
        assert browser.find_element(By.ID, "status").text == ""
    finally:
        close_tabs_but(browser, host_tab)


@requires_chromium
@pytest.mark.parametrize("typed", [MISSPELLED + " ", MISSPELLED], ids=["a whole word", "a word still being typed"])
def test_widget_offers_did_you_mean_when_nothing_is_found(browser, live_server, host_site, typed):
    root = type_into_widget(browser, host_site("suggestion.html", live_server), typed)
    button = wait_until(browser, lambda: root.find_elements(By.CSS_SELECTOR, ".message button"))[0]
    assert "لا نتائج" in root.find_element(By.CSS_SELECTOR, "[role=status]").get_attribute("textContent")
    screenshot(browser, "widget-did-you-mean.png")
    button.click()
    wait_until(browser, lambda: widget_options(root))
    assert root.find_element(By.CSS_SELECTOR, "input").get_attribute("aria-expanded") == "true"
    # Typing on: the panel shows that an answer is awaited until it comes.
    panel = root.find_element(By.CSS_SELECTOR, ".panel")
    type_keys(browser, "ي")
    assert "busy" in panel.get_attribute("class").split()
    wait_until(browser, lambda: "busy" not in panel.get_attribute("class").split())


def document_shown(driver, base, document_id):
    """Wait for the service's page of a document; returns its title."""
    wait_until(driver, lambda: driver.current_url.startswith(f"{base}/documents/{document_id}?"))
    return wait_until(driver, lambda: driver.find_element(By.ID, "document-title")).text


@requires_chromium
def test_a_document_url_that_is_not_a_whole_address_opens_the_document_on_the_service(browser, addressed_server, host_site):
    browser.get(addressed_server + "/?q=" + urllib.parse.quote("السدود"))
    titles = wait_until(browser, exactly(3, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result-title a")))
    links = {title.text: title.get_attribute("href") for title in titles}
    assert links["خبر بعنوان كامل"] == "https://news.example/dams"
    assert links["خبر بعنوان نسبي"].startswith(addressed_server + "/documents/relative?")
    assert links["خبر بعنوان بلا بروتوكول"].startswith(addressed_server + "/documents/scheme-relative?")
    next(title for title in titles if title.text == "خبر بعنوان نسبي").click()
    assert document_shown(browser, addressed_server, "relative") == "خبر بعنوان نسبي"

    root = type_into_widget(browser, host_site("addressed.html", addressed_server), "السدود ")
    options = wait_until(browser, exactly(3, lambda: root.find_elements(By.CSS_SELECTOR, "[role=option]:not(.more)")))
    next(option for option in options if "بلا بروتوكول" in option.text).click()
    assert document_shown(browser, addressed_server, "scheme-relative") == "خبر بعنوان بلا بروتوكول"


@requires_chromium
def test_markup_in_documents_is_shown_as_text(browser, markup_server, host_site):
    # No policy on this page: the widget alone must keep the markup inert.
    root = type_into_widget(browser, host_site("markup.html", markup_server, policy=False), "الحماية ")
    option = wait_until(browser, lambda: [o for o in widget_options(root) if "<img" in o.text])[0]
    assert MARKUP in option.text and "<b>وسم</b>" in option.text
    assert not root.find_elements(By.CSS_SELECTOR, "[role=listbox] img, [role=listbox] script, [role=listbox] b")
    screenshot(browser, "widget-markup-as-text.png")
    assert no_alert(browser)

    browser.get(markup_server + "/?q=" + urllib.parse.quote("الحماية"))
    result = wait_until(browser, lambda: [r for r in browser.find_elements(By.CSS_SELECTOR, ".result") if "<img" in r.text])[0]
    assert MARKUP in result.text and "<b>وسم</b>" in result.text
    assert not browser.find_elements(By.CSS_SELECTOR, "#results img, #results script, #results b")
    assert not result.find_elements(By.CSS_SELECTOR, "a[href^=javascript]")
    screenshot(browser, "search-page-markup-as-text.png")
    assert no_alert(browser)

    result.find_element(By.CSS_SELECTOR, ".result-meta a").click()  # the paragraph in its document
    article = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "article.document"))[0]
    assert MARKUP in article.text and "<b>وسم</b>" in article.text
    assert not article.find_elements(By.CSS_SELECTOR, "img, script, b, a[href^=javascript]")
    assert article.find_element(By.TAG_NAME, "mark").text == "الحماية"
    assert no_alert(browser)


@requires_chromium
def test_widget_shows_highlighted_results_on_a_page_that_enforces_trusted_types(browser, markup_server, host_site):
    browser.get_log("browser")
    root = type_into_widget(browser, host_site("trusted-types.html", markup_server, trusted_types=True), "الحماية ")
    option = wait_until(browser, lambda: [o for o in widget_options(root) if "<img" in o.text])[0]
    assert MARKUP in option.find_element(By.CSS_SELECTOR, ".snippet").text
    assert [mark.text for mark in option.find_elements(By.TAG_NAME, "mark")] == ["الحماية"]
    assert policy_violations(browser) == [] and no_alert(browser)


@requires_chromium
def test_a_results_date_and_paragraph_link_each_keep_to_one_line_on_a_phone(browser, live_server):
    with window_size(browser, 390, 900):
        browser.get(live_server + "/?q=" + urllib.parse.quote("وزراء الخارجية"))
        wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))
        parts = browser.find_elements(By.CSS_SELECTOR, ".result-meta time, .result-meta a")
        assert len(parts) > 10
        lines = "return arguments[0].map(e => new Set([...e.getClientRects()].map(r => Math.round(r.top))).size)"
        assert browser.execute_script(lines, parts) == [1] * len(parts)


@requires_chromium
def test_a_result_opens_its_whole_document_at_its_paragraph_with_the_query_marked(browser, live_server):
    browser.get_log("browser")
    browser.get(live_server + "/?q=" + urllib.parse.quote("وزراء الخارجية"))
    first = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))[0]
    snippet = first.find_element(By.CSS_SELECTOR, ".snippet").text
    first.find_element(By.CSS_SELECTOR, ".result-meta a").click()
    target = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, ".paragraph:target"))[0]
    assert browser.current_url.startswith(live_server + "/documents/001_93b21bcfa360256c?q=")
    assert target.text.startswith(snippet.rstrip("…")) and target.is_displayed()
    assert {m.text for m in target.find_elements(By.TAG_NAME, "mark")} >= {"وزراء", "الخارجية"}
    assert len(browser.find_elements(By.CSS_SELECTOR, ".paragraph")) > 10  # the whole document
    assert browser.find_element(By.CSS_SELECTOR, ".result-meta time").text == "29 مارس 2024"
    assert policy_violations(browser) == []
    screenshot(browser, "document-page.png")
    browser.execute_script("window.scrollTo(0, 0)")
    browser.find_element(By.CSS_SELECTOR, ".back a").click()
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))
    assert browser.find_element(By.ID, "q").get_attribute("value") == "وزراء الخارجية"


@requires_chromium
def test_a_document_links_to_each_of_its_paragraphs_that_hold_the_query(browser, live_server):
    browser.get(live_server + "/documents/001_93b21bcfa360256c?q=" + urllib.parse.quote("الخارجية"))
    links = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, ".matches a"))
    marked = [p.get_attribute("id") for p in browser.find_elements(By.CSS_SELECTOR, ".paragraph") if p.find_elements(By.TAG_NAME, "mark")]
    assert ["p" + link.text for link in links] == marked and len(marked) > 1
    assert [link.accessible_name for link in links] == ["الفقرة " + link.text for link in links]
    assert min(link.size["height"] for link in links) >= 24 and min(link.size["width"] for link in links) >= 24
    links[-1].click()
    target = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, ".paragraph:target"))[0]
    assert target.get_attribute("id") == marked[-1]
    header_bottom = browser.execute_script("return document.querySelector('.masthead').getBoundingClientRect().bottom")
    assert browser.execute_script("return arguments[0].getBoundingClientRect().top", target) >= header_bottom
    assert browser.find_element(By.CSS_SELECTOR, ".matches").text.startswith("الفقرات التي فيها كلمة البحث:")  # one word
    # A query no paragraph holds lists none.
    browser.get(live_server + "/documents/001_93b21bcfa360256c?q=" + urllib.parse.quote("زلزال"))
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, ".paragraph"))
    assert browser.find_elements(By.CSS_SELECTOR, ".matches") == []


@requires_chromium
def test_the_pages_and_the_widget_work_under_the_path_a_site_passes_on_to_the_service(browser, proxied_site):
    browser.get_log("browser")
    browser.get(proxied_site + "/search/?q=" + urllib.parse.quote("داعش"))
    results = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))
    assert browser.find_element(By.ID, "search-form").get_attribute("action") == proxied_site + "/search/"
    link = results[0].find_element(By.CSS_SELECTOR, ".result-meta a")
    assert link.get_attribute("href").startswith(proxied_site + "/search/documents/")
    link.click()
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, ".paragraph:target"))
    assert browser.find_element(By.CSS_SELECTOR, ".back a").get_attribute("href").startswith(proxied_site + "/search/?q=")
    # The pages' styles and scripts came through the site: the header is styled, nothing failed to load.
    assert browser.execute_script("return getComputedStyle(document.querySelector('.masthead')).position") == "sticky"
    assert [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    root = type_into_widget(browser, proxied_site + "/news.html", "داعش ")
    options = wait_until(browser, lambda: root.find_elements(By.CSS_SELECTOR, "[role=option]:not(.more) a"))
    assert options[0].get_attribute("href").startswith(proxied_site + "/search/documents/")


@requires_chromium
def test_the_link_back_from_a_document_returns_to_the_same_results(browser, live_server):
    search = [("q", "داعش"), ("page", "2"), ("sort", "date"), ("source", "seeds"), ("source", "بوابة روزا اليوسف"),
              ("date_from", "2021-01-01"), ("date_to", "2024-12-31")]
    browser.get(f"{live_server}/?{urllib.parse.urlencode(search)}")
    first = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))[0]
    titles = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#results .result-title")]
    first.find_element(By.CSS_SELECTOR, ".result-meta a").click()
    back = wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, ".back a"))[0]
    assert urllib.parse.parse_qsl(urllib.parse.urlsplit(back.get_attribute("href")).query) == search
    browser.execute_script("window.scrollTo(0, 0)")  # from under the page's header
    back.click()
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))
    assert (current_page(browser), chosen(browser, "sort")) == ("2", "date")
    assert [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#results .result-title")] == titles


def test_the_link_back_from_a_document_keeps_only_the_search_pages_parameters(client):
    response = client.get("/documents/001_93b21bcfa360256c?q=a+b&collapse=document&source=x&source=y&evil=1&page=3")
    link = re.search(r'<p class="back"><a href="([^"]+)"', response.get_data(as_text=True)).group(1)
    assert link == "/?q=a+b&amp;collapse=document&amp;source=x&amp;source=y&amp;page=3"


@requires_chromium
def test_search_page_runs_under_its_content_security_policy(browser, live_server):
    browser.get_log("browser")
    browser.get(live_server + "/?q=" + urllib.parse.quote("التحالف"))
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .result"))
    assert policy_violations(browser) == []


@requires_chromium
@pytest.mark.parametrize("path", ["/foo", "/documents/"])
def test_a_browser_asking_for_an_unknown_page_gets_an_arabic_page(browser, live_server, path):
    browser.get_log("browser")
    browser.get(live_server + path)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ar"
    assert browser.find_element(By.CSS_SELECTOR, "main .notice-title").text == "لا توجد صفحة بهذا العنوان."
    browser.find_element(By.CSS_SELECTOR, "main .notice a").click()
    wait_until(browser, lambda: browser.current_url == live_server + "/")
    assert policy_violations(browser) == []


def test_an_unknown_path_is_json_for_programs_and_under_the_api(client):
    for path, accept in [("/foo", "*/*"), ("/foo", "application/json"), ("/api/foo", "text/html"), ("/foo", None)]:
        response = client.get(path, headers={"Accept": accept} if accept else {})
        assert (response.status_code, response.mimetype) == (404, "application/json"), (path, accept)
        assert response.json["error"]["code"] == "not_found"
    page = client.get("/foo", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert (page.status_code, page.mimetype) == (404, "text/html")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_widget_script_may_be_loaded_by_any_origin(client):
    response = client.get("/widget.js", headers={"Origin": "https://news.example"})
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert b'customElements.define("arabic-search"' in response.data


def test_search_page_links_its_opensearch_description_and_sets_a_strict_policy(client):
    response = client.get("/?q=<b>")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in body
    assert 'rel="search" type="application/opensearchdescription+xml" href="/opensearch.xml"' in body
    assert 'value="&lt;b&gt;"' in body
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_opensearch_description_points_at_the_requesting_host(client):
    response = client.get("/opensearch.xml", base_url="https://search.example.org")
    assert response.mimetype == "application/opensearchdescription+xml"
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    description = ET.fromstring(response.data)
    assert len(description.find("os:ShortName", ns).text) <= 16
    templates = {u.get("type"): u.get("template") for u in description.findall("os:Url", ns)}
    assert templates["text/html"] == "https://search.example.org/?q={searchTerms}"
    # Only the terms: a client fills an optional parameter it has no value for with nothing (page=).
    assert templates["application/json"] == "https://search.example.org/api/search?q={searchTerms}"
