"""Debian's chromium, headless, driven by selenium through Debian's chromedriver (nothing is downloaded).

Where chromium, chromedriver or selenium is missing the browser tests skip, saying which; in CI
(the environment variable CI is set) they fail instead, so that they cannot silently stop running.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900"]


def start_chromium(user_data_dir: str | os.PathLike) -> Any:
    """A selenium webdriver for headless chromium with a fresh profile, logging the browser console."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("the selenium package (pip install -e '.[test]')")
    if missing:
        reason = (f"the browser tests need {', '.join(missing)} "
                  f"(Debian/Ubuntu: sudo apt-get install chromium chromium-driver)")
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; in CI they must run, not skip")
        pytest.skip(reason)
    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={os.fspath(user_data_dir)}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def console_errors(driver: Any) -> list[dict]:
    """The browser console's errors since the last call (the log is drained by reading it)."""
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
