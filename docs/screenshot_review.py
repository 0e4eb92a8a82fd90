"""Make docs/review-editable.png: `align review` on one sources_fr/ article
translated by the small trained test model, in headless Chromium (as the
browser tests set it up).

    python docs/screenshot_review.py [--article 004_4308e03e8e9adbfa] [--out docs/review-editable.png]

Needs chromium and chromedriver (/usr/bin) and selenium (the test extras).
"""
from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--article", default="004_4308e03e8e9adbfa")
    parser.add_argument("--out", default=str(ROOT / "docs" / "review-editable.png"))
    args = parser.parse_args()

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    work = Path(tempfile.mkdtemp(prefix="align-shot-"))
    sources, out = work / "fr", work / "out"
    sources.mkdir()
    shutil.copy(ROOT / "sources_fr" / f"{args.article}.txt", sources)
    env = {"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    import os
    env = {**os.environ, **env}
    subprocess.run([sys.executable, "-m", "align.cli", "translate", str(sources), "-o", str(out), "--model",
                    str(ROOT / "tests" / "models" / "small-fr-en"), "--glossary", str(ROOT / "glossary.tsv"),
                    "--quiet"], check=True, env=env)
    server = subprocess.Popen([sys.executable, "-m", "align.cli", "review", str(out), "--no-browser"],
                              stdout=subprocess.PIPE, text=True, env=env)
    url = server.stdout.readline().strip()
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--user-data-dir={work / 'profile'}", "--window-size=1400,900", "--hide-scrollbars"):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
    try:
        base = url.split("/?token=")[0]
        browser.get(url.replace("/?", f"/{args.article}.html?"))
        WebDriverWait(browser, 20).until(lambda d: d.execute_script(
            "return document.body.classList.contains('editable')"))
        body = browser.find_element(By.TAG_NAME, "body")

        def wait_saved(sentence: str, version: int) -> None:
            WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, sentence).get_attribute(
                "data-version") == str(version))

        rows = [r.get_attribute("id") for r in browser.find_elements(By.CSS_SELECTOR, "tbody.para:not(.metadata) tr.pair")]
        body.send_keys("j" * (1 + [r.get_attribute("id") for r in browser.find_elements(
            By.CSS_SELECTOR, "tr.pair")].index(rows[0])))
        body.send_keys("a")
        wait_saved(rows[0], 1)
        body.send_keys("j")
        body.send_keys("r")
        wait_saved(rows[1], 1)
        row = browser.find_element(By.ID, rows[2])
        row.find_element(By.CSS_SELECTOR, "td.tgt").click()
        box = row.find_element(By.CSS_SELECTOR, "textarea.edit-text")
        box.send_keys(Keys.END, " (to be checked)")
        row.find_element(By.CSS_SELECTOR, ".edit-comment").send_keys("term checked against the glossary")
        browser.execute_script("window.scrollTo(0, 0)")
        time.sleep(0.3)
        browser.save_screenshot(args.out)
        print(f"{args.out} written ({base})")
    finally:
        browser.quit()
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
