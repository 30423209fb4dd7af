"""The documentation site, built strict into a temporary folder and opened in headless chromium over http."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from headless_chromium import console_errors, start_chromium  # noqa: E402

pytestmark = pytest.mark.slow  # builds the whole site (strict) first: run by CI, not by `make test`

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The built site served on 127.0.0.1 (Material's search runs in a web worker, which file:// URLs block)."""
    try:
        import material  # noqa: F401
        import mkdocs  # noqa: F401
    except ImportError:
        reason = "the docs extra is not installed (make docs, or pip install -e '.[docs]')"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; in CI the site must be tested")
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)], cwd=ROOT,
                           capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.stderr[-3000:]}"
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        pass


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    browser = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield browser
    browser.quit()


@pytest.mark.parametrize("page, expected", [
    ("", "micrograd_like"),
    ("api/value/", "A scalar node of a computation graph"),
    ("api/tensor/", "An array node of a computation graph"),
    ("api/nn/", "dense_network"),
    ("notebooks/01_from_a_number_to_a_graph/", "From a number to a graph"),
])
def test_pages_load_without_console_errors(driver, site, page, expected):
    from selenium.webdriver.common.by import By

    driver.get(site + page)
    assert expected in driver.find_element(By.TAG_NAME, "article").text
    assert console_errors(driver) == []


def test_the_search_finds_backward(driver, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(site + "?q=backward")  # Material opens its search with this query
    results = WebDriverWait(driver, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".md-search-result__item"))
    assert any("backward" in item.text.lower() for item in results)
    assert console_errors(driver) == []
