"""The backward-pass and training pages, opened from file:// in headless chromium: stepping works and the console is clean."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
from headless_chromium import console_errors, start_chromium  # noqa: E402

from micrograd_like import dot_available  # noqa: E402
from micrograd_like.page import backward_page, training_page  # noqa: E402
from tests.engine.test_frames import expression  # noqa: E402

HIGHLIGHTED = """
const nodes = document.querySelectorAll("#picture svg g.node");
for (const node of nodes) {
  const title = node.querySelector("title").textContent;
  const shape = node.querySelector("polygon, ellipse");
  if (!title.startsWith("legend") && shape && shape.getAttribute("fill") === "#ffd966") {
    return Array.from(node.querySelectorAll("text")).map(t => t.textContent).join(" ");
  }
}
return null;
"""


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    browser = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield browser
    browser.quit()


@pytest.fixture(scope="module")
def notebook_one_page(tmp_path_factory):
    """Notebook 1's graph, L = (a*b + c) * f, as a page."""
    if not dot_available():
        if os.environ.get("CI"):
            pytest.fail("Graphviz's dot is missing in CI")
        pytest.skip("Graphviz's `dot` program is not installed")
    L = expression()
    path = tmp_path_factory.mktemp("page") / "backward.html"
    backward_page(L, path, title="L = (a*b + c) * f")
    return path


def state(driver):
    from selenium.webdriver.common.by import By
    return {
        "step": driver.find_element(By.TAG_NAME, "body").get_attribute("data-step"),
        "highlighted": driver.execute_script(HIGHLIGHTED),
        "arithmetic": driver.find_element(By.ID, "arithmetic").text,
        "grads": [row.text for row in driver.find_elements(By.CSS_SELECTOR, "#grads tr")],
    }


def test_stepping_with_buttons_slider_and_arrow_keys_moves_the_highlight_and_the_arithmetic(driver, notebook_one_page):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(notebook_one_page.as_uri())
    console_errors(driver)  # drain
    first = state(driver)
    assert first["step"] == "1" and first["highlighted"].startswith("L ")
    assert "L.grad = 1.0" in first["arithmetic"]
    assert "d.grad += (dL/dd = f = -2.0) x L.grad (1.0) = -2.0" in first["arithmetic"]
    assert driver.find_element(By.ID, "prev").get_attribute("disabled") is not None

    driver.find_element(By.ID, "next").click()
    second = state(driver)
    assert second["step"] == "2" and second["highlighted"] != first["highlighted"]
    assert second["arithmetic"] != first["arithmetic"]

    # The arrow keys, with the focus on the page (not on the slider, which moves by itself).
    driver.find_element(By.TAG_NAME, "h1").click()
    ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
    third = state(driver)
    assert third["step"] == "3" and third["highlighted"] not in (first["highlighted"], second["highlighted"])
    ActionChains(driver).send_keys(Keys.ARROW_LEFT).perform()
    assert state(driver) == second

    # Find e = a*b's step: its arithmetic is the notebook's table row for a and b.
    while not state(driver)["highlighted"].startswith("e "):
        driver.find_element(By.ID, "next").click()
    text = state(driver)["arithmetic"]
    assert "a.grad += (de/da = b = -3.0) x e.grad (-2.0) = 6.0" in text
    assert "b.grad += (de/db = a = 2.0) x e.grad (-2.0) = -4.0" in text

    # The slider: End jumps to the last step, which shows every gradient.
    slider = driver.find_element(By.ID, "slider")
    slider.send_keys(Keys.END)
    last = state(driver)
    assert last["step"] == slider.get_attribute("max") == "7"
    assert driver.find_element(By.ID, "next").get_attribute("disabled") is not None
    assert not any(row.endswith("?") for row in last["grads"]) and len(last["grads"]) == 7
    for line in ["L.grad = 1.0", "d.grad = -2.0", "f.grad = 4.0", "e.grad = -2.0", "c.grad = -2.0",
                 "a.grad = 6.0", "b.grad = -4.0"]:
        assert line in last["arithmetic"]
    slider.send_keys(Keys.HOME)
    assert state(driver) == first
    assert console_errors(driver) == []


def test_training_page_slider_moves_the_epoch_marker_and_the_boundary(driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    losses = [1.0 / (epoch + 1) for epoch in range(5)]
    xs, ys = np.meshgrid(np.linspace(-1, 1, 16), np.linspace(-1, 1, 12))
    grids = [1 / (1 + np.exp(-(epoch + 1) * xs)) for epoch in range(5)]
    points = np.array([[-0.5, 0.2], [0.5, -0.3]])
    path = training_page(losses, tmp_path / "run.html", boundaries=grids, points=points, labels=[0, 1]).write(
        tmp_path / "run.html")
    driver.get("file://" + path)
    console_errors(driver)

    def now():
        marker = driver.find_element(By.ID, "marker")
        return (driver.find_element(By.ID, "epoch-text").text, marker.get_attribute("cx"),
                driver.find_element(By.ID, "boundary-image").get_attribute("href"))

    first = now()
    assert first[0] == "epoch 1: loss 1.0"
    driver.find_element(By.ID, "slider").send_keys(Keys.END)
    last = now()
    assert last[0] == "epoch 5: loss 0.2"
    assert last[1] != first[1] and last[2] != first[2] and last[2].startswith("data:image/png;base64,")
    driver.find_element(By.ID, "prev").click()
    assert now()[0] == "epoch 4: loss 0.25"
    assert console_errors(driver) == []


def test_a_missing_browser_skips_with_the_reason_but_fails_in_ci(monkeypatch, tmp_path):
    import headless_chromium

    monkeypatch.setattr(headless_chromium, "CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no-chromium.*in CI they must run"):
        start_chromium(tmp_path)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no-chromium.*apt-get install chromium chromium-driver"):
        start_chromium(tmp_path)
