#!/usr/bin/env python3
"""Drives headless chromium over the page (see scripts/browser-test.sh). Usage:
browser_test.py BASE_URL SCREENSHOT_DIR PROFILE_DIR. Exits 1 on the first failed step or on any
console error."""
import os, sys, time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.action_chains import ActionChains

base, out, profile = sys.argv[1], sys.argv[2], sys.argv[3]
opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          f"--user-data-dir={profile}", "--window-size=1400,900", "--lang=en-US",
          "--autoplay-policy=no-user-gesture-required"):
    opts.add_argument(a)
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
console = []


def logs():
    for e in driver.get_log("browser"):
        console.append(e)


def wait(cond, what, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            v = cond()
            if v:
                return v
        except Exception:
            pass
        time.sleep(0.2)
    shot("FAILED")
    raise SystemExit(f"browser test: timed out waiting for {what}")


def shot(name):
    driver.save_screenshot(os.path.join(out, f"{name}.png"))


def js(src, *args):
    return driver.execute_script(src, *args)


def step(msg):
    print(f"- {msg}", flush=True)


try:
    driver.get(base + "/")
    wait(lambda: driver.find_element(By.ID, "login").is_displayed(), "the login form")
    step("wrong password is refused")
    driver.find_element(By.ID, "login-user").send_keys("anna")
    driver.find_element(By.ID, "login-pass").send_keys("not the password")
    driver.find_element(By.ID, "login-btn").click()
    wait(lambda: driver.find_element(By.ID, "login-error").text.strip(), "the login error")
    logs()
    # The 401 of the wrong password is the one console error expected (the browser logs failed
    # fetches); drop it.
    console[:] = [e for e in console if "/api/login" not in e.get("message", "")]
    step("log in")
    driver.find_element(By.ID, "login-pass").clear()
    driver.find_element(By.ID, "login-pass").send_keys("correct horse battery")
    driver.find_element(By.ID, "login-btn").click()
    wait(lambda: driver.find_element(By.ID, "app").is_displayed(), "the app after login")
    step("thumbnails on the timeline")
    loaded = wait(lambda: (n := js("return [...document.querySelectorAll('#spacer .cell img')]"
                                   ".filter(i => i.complete && i.naturalWidth > 32).length")) >= 12 and n,
                  "12 thumbnails", 90)
    years = js("return [...document.querySelectorAll('#years .year')].map(e => e.firstChild.textContent)")
    print(f"  {loaded} thumbnails decoded; years in the nav: {years}")
    if not {"2022", "2023", "2024"} <= set(years):
        raise SystemExit(f"browser test: years missing from the timeline nav: {years}")
    shot("01-timeline")
    step("scroll")
    driver.set_window_size(900, 500)
    time.sleep(0.5)
    top0 = js("return document.querySelector('#current-date').textContent")
    js("const s = document.getElementById('scroller'); s.scrollTop = s.scrollHeight;")
    wait(lambda: js("return document.querySelector('#current-date').textContent") != top0, "the date header to change on scroll")
    wait(lambda: js("return [...document.querySelectorAll('#spacer .cell img')].filter(i => i.complete && i.naturalWidth > 32).length") >= 3,
         "thumbnails after scrolling", 60)
    shot("02-scrolled")
    top1 = js("return document.querySelector('#current-date').textContent")
    print(f"  header {top0!r} -> {top1!r}")
    step("jump to a date")
    js("const j = document.getElementById('jump'); j.value = '2023-03-31'; j.dispatchEvent(new Event('change'));")
    wait(lambda: "2023" in js("return document.querySelector('#current-date').textContent"), "the jump to 2023")
    driver.set_window_size(1400, 900)
    js("document.getElementById('scroller').scrollTop = 0")
    step("map: zoom in until a cluster splits")
    driver.find_element(By.ID, "tab-map").click()
    wait(lambda: js("return document.getElementById('map').dataset.clusters"), "clusters on the map")
    js("S.map.setView([49.5, 6.5], 3)")
    wait(lambda: js("return document.getElementById('map').dataset.zoom") == "3", "zoom 3")
    time.sleep(0.5)
    n0 = int(js("return document.getElementById('map').dataset.clusters"))
    counts = [n0]
    shot("03-map-before")
    for _ in range(8):
        z = js("return document.getElementById('map').dataset.zoom")
        driver.find_element(By.CSS_SELECTOR, ".leaflet-control-zoom-in").click()
        wait(lambda: js("return document.getElementById('map').dataset.zoom") != z, "the zoom to change")
        time.sleep(0.4)
        # keep all three cities in view while zooming
        js("S.map.panTo([49.5, 6.5], {animate: false})")
        time.sleep(0.4)
        counts.append(int(js("return document.getElementById('map').dataset.clusters")))
        if counts[-1] > n0:
            break
    print(f"  clusters per zoom step from zoom 3: {counts}")
    if counts[-1] <= n0:
        raise SystemExit(f"browser test: no cluster split while zooming in ({counts})")
    shot("04-map-split")
    step("open a cluster")
    driver.find_element(By.CSS_SELECTOR, ".cluster").click()
    wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#cluster-items .cell")) >= 1, "the cluster's photos")
    shot("05-cluster")
    step("open a Live Photo and play it")
    driver.find_element(By.ID, "tab-timeline").click()
    live = wait(lambda: [c for c in driver.find_elements(By.CSS_SELECTOR, "#spacer .cell")
                         if c.find_elements(By.CSS_SELECTOR, ".badge") and c.find_element(By.CSS_SELECTOR, ".badge").text == "LIVE"] or
                (js("const s=document.getElementById('scroller'); s.scrollTop += 300;") and False),
                "a Live Photo cell")
    live[0].click()
    wait(lambda: driver.find_element(By.ID, "item").is_displayed(), "the item view")
    wait(lambda: js("const i = document.getElementById('item-img'); return i.complete && i.naturalWidth > 100"), "the large preview", 60)
    wait(lambda: driver.find_element(By.ID, "live-badge").is_displayed(), "the LIVE badge")
    ActionChains(driver).move_to_element(driver.find_element(By.ID, "item-img")).perform()
    wait(lambda: js("const v = document.getElementById('item-video'); return !v.paused && v.currentTime > 0.1 && v.videoWidth > 0"),
         "the Live Photo's video to play", 30)
    shot("06-live-playing")
    pos = js("return document.getElementById('item-video').currentTime")
    print(f"  video playing at {pos:.2f} s")
    ActionChains(driver).move_to_element(driver.find_element(By.ID, "item-meta")).perform()
    driver.find_element(By.ID, "item-close").click()
    step("edit a date and see the item move")
    def jump(day):
        js("const j = document.getElementById('jump'); j.value = arguments[0]; j.dispatchEvent(new Event('change'));", day)

    def cell_t(i):
        return js("const c = document.querySelector(`#spacer .cell[data-id='${arguments[0]}']`); return c ? c.dataset.t : null", i)

    jump("2024-12-31")
    first = wait(lambda: js("""const c = [...document.querySelectorAll('#spacer .cell')].filter(c => c.dataset.t.startsWith('2024'))
                  .sort((a, b) => (parseInt(a.style.top) - parseInt(b.style.top)) || (parseInt(a.style.left) - parseInt(b.style.left)))[0];
                  return c && [c.dataset.id, c.dataset.t];"""), "a 2024 item")
    print(f"  item {first[0]} at {first[1]}")
    driver.find_element(By.CSS_SELECTOR, f"#spacer .cell[data-id='{first[0]}']").click()
    wait(lambda: driver.find_element(By.ID, "item-edit").is_displayed(), "the edit panel")
    before = driver.find_element(By.ID, "item-time").text
    shift = driver.find_element(By.ID, "edit-shift")
    shift.clear()
    shift.send_keys("-26280")  # three years back
    driver.find_element(By.ID, "edit-shift-apply").click()
    wait(lambda: driver.find_element(By.ID, "item-time").text != before, "the item's time to change", 60)
    after = driver.find_element(By.ID, "item-time").text
    print(f"  time {before} -> {after}")
    if after[:4] != str(int(before[:4]) - 3):
        raise SystemExit(f"browser test: shifted by -3 years but the time went {before} -> {after}")
    shot("07-edited")
    driver.find_element(By.ID, "item-close").click()
    jump(f"{after[:4]}-12-31")
    moved = wait(lambda: (t := cell_t(first[0])) and t.startswith(after[:4]) and t, f"the item among {after[:4]}'s photos")
    print(f"  the timeline now shows item {first[0]} at {moved}")
    shot("08-moved")
    step("undo")
    driver.find_element(By.ID, "undo").click()
    jump("2024-12-31")
    wait(lambda: (t := cell_t(first[0])) and t == first[1], "the item back at its time after undo", 60)
    step("keyword: add from the page, search by it, remove it")
    def click_css(css):
        # The item panel re-renders as its data arrives: a found element may be replaced.
        try:
            driver.find_element(By.CSS_SELECTOR, css).click()
            return True
        except Exception:
            return False
    driver.find_element(By.CSS_SELECTOR, f"#spacer .cell[data-id='{first[0]}']").click()
    wait(lambda: driver.find_element(By.ID, "item-edit").is_displayed(), "the edit panel")
    driver.find_element(By.ID, "edit-keyword").send_keys("长城 trip")
    driver.find_element(By.ID, "edit-keyword-add").click()
    wait(lambda: "长城 trip" in [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#item-keywords .kw-search")],
         "the keyword on the item", 60)
    shot("08b-keyword")
    wait(lambda: click_css("#item-keywords .kw-search"), "the keyword's search link")
    wait(lambda: [c.get_attribute("data-id") for c in driver.find_elements(By.CSS_SELECTOR, "#search-results .cell")] == [first[0]],
         "exactly the item when searching its keyword", 60)
    shot("08c-keyword-search")
    wait(lambda: click_css("#search-results .cell"), "the search result")
    wait(lambda: click_css("#item-keywords .kw-remove"), "the keyword's remove button")
    wait(lambda: not driver.find_elements(By.CSS_SELECTOR, "#item-keywords .kw"), "the keyword gone", 60)
    driver.find_element(By.ID, "item-close").click()
    js("document.getElementById('s-keyword').value = '';")
    driver.find_element(By.ID, "tab-timeline").click()
    step("Chinese")
    driver.find_element(By.CSS_SELECTOR, "header .lang-switch").click()
    wait(lambda: driver.find_element(By.ID, "tab-timeline").text == "时间线", "the Chinese labels")
    shot("09-zh")
    driver.find_element(By.CSS_SELECTOR, "header .lang-switch").click()
    step("places and search")
    driver.find_element(By.ID, "tab-places").click()
    wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, ".place")) >= 3, "three places", 60)
    shot("10-places")
    driver.find_element(By.ID, "tab-search").click()
    js("document.getElementById('s-from').value = '2023-01-01'; document.getElementById('s-to').value = '2023-12-31';")
    driver.find_element(By.ID, "s-camera").send_keys("Test Camera")
    driver.find_element(By.CSS_SELECTOR, "#search-form button[type=submit]").click()
    wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#search-results .cell")) == 8, "8 results for 2023 + Test Camera")
    shot("11-search")
    logs()
finally:
    try:
        logs()
    except Exception:
        pass
    driver.quit()

errors = [e for e in console if e.get("level") == "SEVERE"]
for e in errors:
    print("console error:", e.get("message"))
if errors:
    raise SystemExit(f"browser test: {len(errors)} console error(s)")
print("browser test: all steps passed, no console errors; screenshots in", out)
