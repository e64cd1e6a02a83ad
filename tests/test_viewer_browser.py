"""The viewer as a person uses it: headless Chromium clicks from the list to an article to a diff.

Uses Debian's chromium and chromium-driver (installed by `make test`); no browser is downloaded.
A screenshot of the diff page is saved to artifacts/diff-page.png.
"""

import shutil
from collections.abc import Iterator

import pytest
from conftest import ROOT, SEED, SEED_REVISION, STORY, archive_terms_versions, article_html, served
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from archive.ingest.snapshot import snapshot
from archive.model import parse_time
from archive.store.repository import Store

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = ROOT / "artifacts"


def arrive(browser: WebDriver, url: str) -> None:
    """Wait until a click or a form has taken the browser to ``url`` (navigation finishes after the click returns).

    Generous, because CI machines are shared: a slow page only makes the test slower, never wrong."""
    WebDriverWait(browser, 60).until(expected_conditions.url_to_be(url))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The viewer over a store built from the seed article, its revision, a hostile page and the terms corpus."""
    path = tmp_path_factory.mktemp("viewer") / "store"
    with Store.init(path) as store:
        snapshot(store, str(SEED), article_id="putin-post-trump", at=parse_time("2021-12-17T12:00:00Z"))
        snapshot(store, str(SEED_REVISION), article_id="putin-post-trump", at=parse_time("2021-12-18T09:30:00Z"))
        hostile = path.parent / "hostile.html"
        text = "The statement read &lt;script&gt;window.hacked = 1&lt;/script&gt; and ended there, officials said."
        hostile.write_text(article_html(title="A page with markup in its text", paragraphs=[*STORY[:2], text]))
        snapshot(store, str(hostile), article_id="hostile", at=parse_time("2024-03-01T10:00:00Z"))
        archive_terms_versions(store)
    with served(path) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1600",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def test_from_the_list_to_an_article_to_a_diff(site: str, browser: WebDriver) -> None:
    browser.get(site + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Archive"
    titles = [link.text for link in browser.find_elements(By.CSS_SELECTOR, "table.list td > a")]
    assert "Putin’s Post-Trump Standoff" in titles and len(titles) == 5

    browser.find_element(By.LINK_TEXT, "Putin’s Post-Trump Standoff").click()
    arrive(browser, site + "/articles/putin-post-trump")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.list tbody tr")
    assert [row.find_element(By.TAG_NAME, "td").text for row in rows] == ["v1", "v2"]
    assert browser.find_element(By.CSS_SELECTOR, "figure.chart svg").is_displayed()

    browser.find_element(By.LINK_TEXT, "diff with v1").click()
    arrive(browser, site + "/articles/putin-post-trump/diff/1/2")
    labels = [label.text for label in browser.find_elements(By.CSS_SELECTOR, ".kind.claim")]
    assert labels.count("EDITED · CLAIM CHANGED") == 2 and "ADDED · CLAIM CHANGED" in labels
    inserted = [element.text for element in browser.find_elements(By.TAG_NAME, "ins")]
    assert "eleven" in inserted and "seven" in inserted
    assert "number added: eleven" in browser.find_element(By.CSS_SELECTOR, ".row.substantive .reasons").text or any(
        "number added: eleven" in element.text for element in browser.find_elements(By.CSS_SELECTOR, ".reasons")
    )
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "diff-page.png"))
    assert (ARTIFACTS / "diff-page.png").stat().st_size > 10_000


def test_unchanged_sentences_fold_away_and_open_on_click(site: str, browser: WebDriver) -> None:
    browser.get(site + "/articles/putin-post-trump/diff/1/2")
    fold = browser.find_element(By.CSS_SELECTOR, "details.unchanged-run")
    hidden = fold.find_element(By.CSS_SELECTOR, ".row .cell")
    assert not hidden.is_displayed()
    fold.find_element(By.TAG_NAME, "summary").click()
    assert hidden.is_displayed()


def test_searching_and_picking_two_versions_to_compare(site: str, browser: WebDriver) -> None:
    browser.get(site + "/")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("Bluesky")
    box.submit()
    arrive(browser, site + "/?q=Bluesky")
    found = [link.get_attribute("href") for link in browser.find_elements(By.CSS_SELECTOR, "table.list td > a")]
    assert sorted(found) == [site + "/articles/bluesky_privacy_policy", site + "/articles/bluesky_terms_of_service"]

    browser.find_element(By.LINK_TEXT, "Terms of Service").click()
    arrive(browser, site + "/articles/bluesky_terms_of_service")
    Select(browser.find_element(By.NAME, "from")).select_by_value("1")
    last = Select(browser.find_element(By.NAME, "to")).options[-1].get_attribute("value")
    Select(browser.find_element(By.NAME, "to")).select_by_value(last)
    browser.find_element(By.CSS_SELECTOR, "form.picker button").click()
    arrive(browser, f"{site}/articles/bluesky_terms_of_service/diff/1/{last}")
    assert "Comparing bluesky_terms_of_service@1" in browser.find_element(By.CSS_SELECTOR, "p.meta").text
    assert browser.find_elements(By.CSS_SELECTOR, ".row.changed")


def test_text_that_looks_like_a_script_is_shown_not_run(site: str, browser: WebDriver) -> None:
    browser.get(site + "/articles/hostile/versions/1")
    assert "<script>window.hacked = 1</script>" in browser.find_element(By.CSS_SELECTOR, ".text").text
    assert browser.execute_script("return typeof window.hacked") == "undefined"
    checks = [item.text for item in browser.find_elements(By.CSS_SELECTOR, "ul.checks li")]
    assert checks and all(check.startswith("✓") for check in checks)


def test_moved_sentence_links_lead_to_each_other(site: str, browser: WebDriver) -> None:
    browser.get(site + "/articles/reddit_privacy_policy")
    versions = len(browser.find_elements(By.CSS_SELECTOR, "table.list tbody tr"))
    assert len(browser.find_elements(By.PARTIAL_LINK_TEXT, "diff with")) == versions - 1
    for number in range(2, versions + 1):
        browser.get(f"{site}/articles/reddit_privacy_policy/diff/{number - 1}/{number}")
        moves = browser.find_elements(By.PARTIAL_LINK_TEXT, "moved to")
        if moves:
            target = moves[0].get_attribute("href")
            moves[0].click()
            arrive(browser, target)
            fragment = target.split("#", 1)[1]
            assert browser.find_element(By.ID, fragment).is_displayed()
            return
    pytest.fail("no moved sentence in the Reddit privacy policy history")


def test_the_audit_page_is_one_click_from_the_archive(site: str, browser: WebDriver) -> None:
    browser.get(site + "/")
    browser.find_element(By.LINK_TEXT, "Audit").click()
    arrive(browser, site + "/audit")
    assert "verified: every check holds" in browser.find_element(By.CSS_SELECTOR, ".ok").text
    browser.find_element(By.LINK_TEXT, "putin-post-trump").click()
    arrive(browser, site + "/articles/putin-post-trump")
