#!/usr/bin/env python3
"""Drives headless chromium over the page (see scripts/browser-test.sh): a desktop, then a
phone. Usage: browser_test.py BASE_URL SCREENSHOT_DIR PROFILE_DIR (environment:
BROWSER_TEST_LIBRARY, the library's folder; BROWSER_TEST_WATCH=1 when the server watches it;
BROWSER_TEST_PEOPLE=1 when it was scanned with --vision). Exits 1 on the first failed step or
on any console error."""
import os, re, shutil, subprocess, sys, time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.action_chains import ActionChains

base, out, profile = sys.argv[1], sys.argv[2], sys.argv[3]
library = os.environ.get("BROWSER_TEST_LIBRARY", "")
watching = os.environ.get("BROWSER_TEST_WATCH", "0") not in ("", "0")
people = os.environ.get("BROWSER_TEST_PEOPLE", "0") not in ("", "0")
stacked = os.environ.get("BROWSER_TEST_STACK", "0") not in ("", "0")


def browser(profile_dir, width, height, lang, phone=False):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              f"--user-data-dir={profile_dir}", f"--window-size={width},{height}", f"--lang={lang}",
              "--autoplay-policy=no-user-gesture-required"):
        opts.add_argument(a)
    opts.add_experimental_option("prefs", {"intl.accept_languages": lang})
    if phone:
        opts.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 3.0, "touch": True, "mobile": True},
            "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                         "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


only = os.environ.get("BROWSER_TEST_ONLY", "")  # "phone" or "desktop": one half (while developing)
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


driver = browser(profile, 1400, 900, "en-US") if only != "phone" else None
try:
    if only == "phone":
        raise StopIteration
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
    per_row = js("""const tops = [...document.querySelectorAll('#spacer .cell')].map(c => c.style.top);
                    return tops.filter(t => t === tops.sort()[0]).length""")
    print(f"  {per_row} thumbnails a row at 1400 px; page language {js('return document.documentElement.lang')!r}")
    if per_row < 5:
        raise SystemExit(f"browser test: {per_row} thumbnails a row on a 1400 px desktop, want >= 5")
    if not js("return document.documentElement.lang").startswith("en"):
        raise SystemExit("browser test: an en-US browser does not get the English page")
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
    before_iso = driver.find_element(By.ID, "item-time").get_attribute("data-iso")
    shift = driver.find_element(By.ID, "edit-shift")
    shift.clear()
    shift.send_keys("-26280")  # three years back
    driver.find_element(By.ID, "edit-shift-apply").click()
    wait(lambda: driver.find_element(By.ID, "item-time").text != before, "the item's time to change", 60)
    after = driver.find_element(By.ID, "item-time").text
    print(f"  time {before} -> {after}")
    if re.search(r"\d{4}-\d\d-\d\dT", before + after):
        raise SystemExit(f"browser test: a raw ISO time in the item's details: {before!r}")
    before, after = before_iso, driver.find_element(By.ID, "item-time").get_attribute("data-iso")
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
    wait(lambda: driver.find_element(By.ID, "tab-timeline").text == "照片", "the Chinese labels")
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
    driver.find_element(By.ID, "tab-timeline").click()
    if stacked:
        step("a RAW+JPEG twin: one tile with a badge; its members; split and restore")
        lib = js("return S.library")
        found = js("""return fetch('/api/items?library=' + encodeURIComponent(arguments[0]) + '&limit=1000').then(r => r.json())
              .then(b => { const it = (b.items || []).find(x => x.stack && x.stack.kind === 'raw-jpeg'); return it ? [it.id, it.t, it.stack.members] : null; })""", lib)
        if not found:
            raise SystemExit("browser test: no RAW+JPEG stack among /api/items (the twin was not stacked)")
        sid, st, members = found
        print(f"  item {sid} at {st}: a raw-jpeg stack of {members}")
        jump((st or "2004-06-09")[:10])
        badge = wait(lambda: js("const b = document.querySelector(`#spacer .cell[data-id='${arguments[0]}'] .stack-badge`); return b && b.offsetWidth > 0 && b.textContent", sid),
                     "the RAW+JPEG badge on the twin's tile", 60)
        if badge != "RAW+JPEG":
            raise SystemExit(f"browser test: the twin's badge reads {badge!r}")
        driver.find_element(By.CSS_SELECTOR, f"#spacer .cell[data-id='{sid}']").click()
        wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#item-stack li.stack-member")) == 2, "the stack's two members in the details", 60)
        names = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#item-stack .stack-name")]
        print(f"  members: {names}")
        if not any(".NEF" in n for n in names):
            raise SystemExit(f"browser test: the raw is not among the stack's members: {names}")
        shot("12-stack")
        wait(lambda: click_css("#item-stack .stack-split"), "the split button")
        wait(lambda: driver.find_elements(By.CSS_SELECTOR, "#item-stack .stack-restore") and not driver.find_elements(By.CSS_SELECTOR, "#item-stack li"),
             "the split stack (a restore button, no members)", 60)
        wait(lambda: js("return fetch('/api/items/' + arguments[0] + '/stack').then(r => r.json()).then(b => b.stack === null)", sid),
             "the split stack gone from the API", 60)
        wait(lambda: click_css("#item-stack .stack-restore"), "the restore button")
        wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#item-stack li.stack-member")) == 2, "the stack restored", 60)
        step("more like this")
        driver.find_element(By.ID, "item-similar").click()
        wait(lambda: f"#/similar/{sid}" in driver.current_url, "the similar address")
        wait(lambda: driver.find_elements(By.CSS_SELECTOR, "#list-items .cell") or
             (driver.find_element(By.ID, "list-empty").is_displayed() and driver.find_element(By.ID, "list-empty").text.strip()),
             "similar photos or the reason there are none", 60)
        n_sim = len(driver.find_elements(By.CSS_SELECTOR, "#list-items .cell"))
        print(f"  {n_sim} similar photos" + ("" if n_sim else f"; reason shown: {driver.find_element(By.ID, 'list-empty').text!r}"))
        shot("13-similar")
        driver.find_element(By.ID, "tab-timeline").click()
    else:
        print("  (no RAW+JPEG twin: the corpus' Nikon raw is missing; stacks not checked)")
    step("albums: two photos selected, added to a new album from the selection bar")
    js("document.getElementById('scroller').scrollTop = 0")
    driver.find_element(By.ID, "select-mode").click()
    picks = wait(lambda: js("return [...document.querySelectorAll('#spacer .cell')].slice(0, 2).map(c => c.dataset.id)"), "two cells")
    for pid in picks:
        driver.find_element(By.CSS_SELECTOR, f"#spacer .cell[data-id='{pid}']").click()
    wait(lambda: driver.find_element(By.ID, "sel-album").is_displayed(), "the selection bar's album button")
    driver.find_element(By.ID, "sel-album").click()
    wait(lambda: "#/albums" in driver.current_url and driver.find_element(By.ID, "album-create").is_displayed(), "the albums view")
    if "2" not in driver.find_element(By.ID, "album-create").text:
        raise SystemExit(f"browser test: the album button does not offer the selection: {driver.find_element(By.ID, 'album-create').text!r}")
    driver.find_element(By.ID, "album-name").send_keys("Summer 2024")
    driver.find_element(By.ID, "album-create").click()
    wait(lambda: click_css("#album-list .album .album-open"), "the new album in the list", 30)
    wait(lambda: re.search(r"#/album/\d+", driver.current_url), "the album's address")
    wait(lambda: sorted(e.get_attribute("data-id") for e in driver.find_elements(By.CSS_SELECTOR, "#album-items .album-item")) == sorted(picks),
         "the two selected photos in the album", 30)
    driver.find_element(By.ID, "select-mode").click()
    step("a share link, opened in a fresh browser without a login")
    driver.find_element(By.ID, "link-create").click()
    url = wait(lambda: "/s/" in (v := driver.find_element(By.ID, "link-url").get_attribute("value")) and v, "the share link")
    shot("14-album")
    anon = browser(profile + "-anon", 390, 844, "en-US", phone=True)
    try:
        anon.get(url)
        end = time.time() + 30
        n_anon = 0
        while time.time() < end:
            n_anon = anon.execute_script("return [...document.querySelectorAll('#grid img')].filter(i => i.complete && i.naturalWidth > 32).length")
            if n_anon == 2:
                break
            time.sleep(0.2)
        title = anon.execute_script("return document.getElementById('title').textContent")
        has_cookie = bool(anon.get_cookies())
        anon.save_screenshot(os.path.join(out, "15-shared-anonymous.png"))
        anon_errors = [e for e in anon.get_log("browser") if e.get("level") == "SEVERE"]
    finally:
        anon.quit()
    print(f"  {url}: {title!r}, {n_anon} photos decoded; cookies: {has_cookie}")
    if n_anon != 2 or title != "Summer 2024":
        raise SystemExit(f"browser test: the share link shows {n_anon} photos titled {title!r}, want 2 of 'Summer 2024'")
    console.extend(anon_errors)
    step("trash an item from the album, restore it from the trash")
    gone = picks[0]
    wait(lambda: click_css(f"#album-items .album-item[data-id='{gone}'] .item-trash"), "the trash button")
    wait(lambda: gone not in [e.get_attribute("data-id") for e in driver.find_elements(By.CSS_SELECTOR, "#album-items .album-item")],
         "the trashed item gone from the album", 30)
    if js("return fetch('/api/items/' + arguments[0]).then(r => r.status)", gone) != 404:
        raise SystemExit("browser test: a trashed item is still served")
    # That 404 is asked for (the browser logs it as an error): drop it.
    logs()
    console[:] = [e for e in console if f"/api/items/{gone} " not in e.get("message", "")]
    driver.find_element(By.ID, "album-back").click()
    wait(lambda: click_css("#albums-trash"), "the trash button of the albums view")
    wait(lambda: "#/albums/trash" in driver.current_url and driver.find_elements(By.CSS_SELECTOR, "#trash-list .trashed"), "the trash list")
    shot("16-trash")
    wait(lambda: click_css("#trash-list .trashed .trash-restore"), "the restore button")
    wait(lambda: not driver.find_elements(By.CSS_SELECTOR, "#trash-list .trashed"), "the trash emptied by restoring", 30)
    wait(lambda: js("return fetch('/api/items/' + arguments[0]).then(r => r.status)", gone) == 200, "the restored item served again", 30)
    driver.back()
    driver.back()
    wait(lambda: re.search(r"#/album/\d+", driver.current_url) and driver.find_elements(By.CSS_SELECTOR, "#album-items .album-item"),
         "Back to the album")
    print(f"  item {gone} trashed and restored; Back returns to the album")
    logs()
except StopIteration:
    pass
finally:
    if driver:
        try:
            logs()
        except Exception:
            pass
        driver.quit()

# ---- the phone ------------------------------------------------------------------------------
from selenium.webdriver.common.keys import Keys

driver = browser(profile + "-phone", 390, 844, "zh-CN", phone=True) if only != "desktop" else None


def touch(kind, pts):
    driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [
        {"x": x, "y": y, "id": i, "radiusX": 4, "radiusY": 4, "force": 1} for i, (x, y) in enumerate(pts)]})


def swipe(x0, y0, x1, y1, steps=10, hold=0.0):
    touch("touchStart", [(x0, y0)])
    time.sleep(hold)
    for k in range(1, steps + 1):
        touch("touchMove", [(x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps)])
        time.sleep(0.02)
    touch("touchEnd", [])


def double_tap(x, y):
    for _ in range(2):
        touch("touchStart", [(x, y)]); touch("touchEnd", [])


def photo_param():
    m = re.search(r"[?&]photo=(\d+)", driver.current_url)
    return m and m.group(1)


def viewer_on(pid=None):
    return js("""const i = document.getElementById('item'), img = document.getElementById('item-img');
                 return !i.classList.contains('hidden') && img.complete && img.naturalWidth > 50 && i.dataset.id""") == (pid or photo_param() or "x")


def decoded(css):
    return js(f"return [...document.querySelectorAll('{css}')].filter(i => i.complete && i.naturalWidth > 32 && i.getBoundingClientRect().width > 40).length")


def current_year():
    m = re.search(r"(\d{4})", js("return document.getElementById('current-date').textContent"))
    return m and int(m.group(1))


try:
    if only == "desktop":
        raise StopIteration
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    driver.get(base + "/")
    wait(lambda: driver.find_element(By.ID, "login").is_displayed(), "the phone's login form")
    step("phone (390×844, zh-CN): Chinese without a click")
    lang = js("return document.documentElement.lang")
    if not lang.startswith("zh") or driver.find_element(By.ID, "login-btn").text != "登录":
        raise SystemExit(f"browser test: a zh-CN phone gets lang={lang!r}, button {driver.find_element(By.ID, 'login-btn').text!r}")
    driver.find_element(By.ID, "login-user").send_keys("anna")
    driver.find_element(By.ID, "login-pass").send_keys("correct horse battery", Keys.ENTER)
    wait(lambda: driver.find_element(By.ID, "app").is_displayed(), "the app after login")
    wait(lambda: decoded("#spacer .cell img") >= 9, "nine thumbnails on the phone", 60)
    step("phone: no sideways scrolling, three thumbnails a row, the tabs at the bottom")
    sw, iw = js("return [document.documentElement.scrollWidth, innerWidth]")
    row = js("""const cs = [...document.querySelectorAll('#spacer .cell')].map(c => c.getBoundingClientRect());
                const top = Math.min(...cs.map(r => r.top)); return cs.filter(r => Math.abs(r.top - top) < 1).map(r => [r.left, r.right]);""")
    tabs = js("const r = document.getElementById('tabs').getBoundingClientRect(); return [r.top, r.bottom, innerHeight]")
    print(f"  scrollWidth {sw} in {iw}; first row {len(row)} cells {row}; tabs {tabs}")
    if sw > iw or len(row) < 3 or max(r[1] for r in row) > iw + 0.5 or abs(tabs[1] - tabs[2]) > 1:
        raise SystemExit("browser test: the phone layout is off (sideways scrolling, < 3 a row, or no tab bar at the bottom)")
    shot("p01-phone-timeline")
    step("phone: memories (on this day)")
    wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#memories .memory")) >= 2, "two memory cards", 30)
    cards = {c.get_attribute("title"): c for c in driver.find_elements(By.CSS_SELECTOR, "#memories .memory")}
    print(f"  cards: {[c.text.replace(chr(10), ' ') for c in cards.values()]}")
    card = next((c for k, c in cards.items() if "2019" in k), None)
    if card is None or "年前" not in card.text or "2张照片" not in card.text.replace(" ", ""):
        raise SystemExit(f"browser test: no 2019 memory card with a Chinese relative year and count ({list(cards)})")
    card.click()
    wait(lambda: "#/memories" in driver.current_url and len(driver.find_elements(By.CSS_SELECTOR, "#list-items .cell")) == 2,
         "the 2019 memory's two photos")
    shot("p02-phone-memory")
    driver.back()
    wait(lambda: driver.find_element(By.ID, "view-timeline").is_displayed() and decoded("#spacer .cell img") >= 3, "the timeline after Back")
    step("phone: a photo has an address; swipe, double-tap, pinch")
    start_url = driver.current_url
    driver.find_element(By.CSS_SELECTOR, "#spacer .cell[data-i='0']").click()
    wait(lambda: photo_param() and viewer_on(), "the viewer with photo= in the address")
    id0 = photo_param()
    title = driver.find_element(By.ID, "item-title").text
    body = driver.find_element(By.TAG_NAME, "body").text
    print(f"  {driver.current_url} — {title!r}")
    if "年" not in title or re.search(r"\d{4}-\d\d-\d\dT\d", body):
        raise SystemExit(f"browser test: the viewer's date is not Chinese or shows an ISO time: {title!r}")
    shot("p03-phone-viewer")
    swipe(320, 430, 60, 430)
    wait(lambda: photo_param() not in (None, id0) and viewer_on(), "the next photo after a swipe left")
    id1 = photo_param()
    swipe(60, 430, 320, 430)
    wait(lambda: photo_param() == id0 and viewer_on(), "the previous photo after a swipe right")
    print(f"  swipe: {id0} -> {id1} -> {id0}")
    double_tap(195, 430)
    wait(lambda: "zoomed" in driver.find_element(By.ID, "item").get_attribute("class"), "zoom after a double tap")
    shot("p04-phone-zoomed")
    double_tap(195, 430)
    wait(lambda: "zoomed" not in driver.find_element(By.ID, "item").get_attribute("class"), "zoom out after a double tap")
    touch("touchStart", [(170, 430), (220, 430)])
    for k in range(1, 9):
        touch("touchMove", [(170 - 10 * k, 430), (220 + 10 * k, 430)]); time.sleep(0.02)
    touch("touchEnd", [])
    scale = js("return Z.s")
    if scale < 1.5:
        raise SystemExit(f"browser test: a pinch did not zoom (scale {scale})")
    print(f"  pinch: scale {scale:.2f}")
    double_tap(195, 430)
    wait(lambda: js("return Z.s") == 1, "zoom reset")
    step("phone: favourite, reload, Back and Forward")
    driver.find_element(By.ID, "item-fav").click()
    wait(lambda: driver.find_element(By.ID, "item-fav").get_attribute("aria-pressed") == "true", "the favourite pressed")
    item_url = driver.current_url
    driver.refresh()
    wait(lambda: viewer_on(id0) and driver.find_element(By.ID, "item-fav").get_attribute("aria-pressed") == "true",
         "the same photo, still a favourite, after reload")
    driver.back()
    wait(lambda: "hidden" in driver.find_element(By.ID, "item").get_attribute("class") and decoded("#spacer .cell img") >= 3,
         "the timeline after Back")
    driver.forward()
    wait(lambda: viewer_on(id0) and driver.current_url == item_url, "the photo again after Forward")
    driver.back()
    wait(lambda: "hidden" in driver.find_element(By.ID, "item").get_attribute("class"), "the viewer closed")
    driver.find_element(By.ID, "tab-favorites").click()
    wait(lambda: [c.get_attribute("data-id") for c in driver.find_elements(By.CSS_SELECTOR, "#list-items .cell")] == [id0],
         "the favourite in the favourites view")
    print(f"  favourites: {driver.current_url}")
    shot("p05-phone-favourites")
    step("phone: a Live Photo plays while pressed")
    driver.find_element(By.ID, "tab-timeline").click()
    live = wait(lambda: [c for c in driver.find_elements(By.CSS_SELECTOR, "#spacer .cell")
                         if c.find_elements(By.CSS_SELECTOR, ".badge") and c.find_element(By.CSS_SELECTOR, ".badge").text == "LIVE"] or
                (js("const s=document.getElementById('scroller'); s.scrollTop += 500;") and False), "a Live Photo cell", 60)
    live[0].click()
    wait(lambda: viewer_on() and driver.find_element(By.ID, "live-badge").is_displayed(), "the Live Photo in the viewer", 60)
    touch("touchStart", [(195, 430)])
    try:
        wait(lambda: js("const v = document.getElementById('item-video'); return !v.paused && v.currentTime > 0.1 && v.videoWidth > 0"),
             "the Live Photo moving while pressed", 30)
        shot("p06-phone-live")
    finally:
        touch("touchEnd", [])
    wait(lambda: js("return document.getElementById('item-video').paused"), "the Live Photo stopping on release")
    driver.find_element(By.ID, "item-close").click()
    wait(lambda: "hidden" in driver.find_element(By.ID, "item").get_attribute("class"), "the viewer closed")
    step("phone: the search box")
    box = driver.find_element(By.CSS_SELECTOR, "input[type=search]")
    box.send_keys("birthday", Keys.ENTER)
    wait(lambda: "q=birthday" in driver.current_url and decoded("#search-results .cell img") == 3, "three photos for 'birthday'")
    shot("p07-phone-search")
    driver.back()
    wait(lambda: driver.find_element(By.ID, "view-timeline").is_displayed(), "the timeline after Back")
    driver.forward()
    wait(lambda: decoded("#search-results .cell img") == 3, "the search again after Forward")
    step("phone: people")
    driver.find_element(By.ID, "tab-people").click()
    if people:
        wait(lambda: driver.find_elements(By.CSS_SELECTOR, "#people-list .person"), "a person (scanned with --vision)", 30)
        shot("p08-phone-people")
        driver.find_element(By.CSS_SELECTOR, "#people-list .person").click()
        wait(lambda: "#/person/" in driver.current_url and driver.find_elements(By.ID, "person-name"), "a person's page")
        name = driver.find_element(By.ID, "person-name")
        name.clear(); name.send_keys("Zoé Test", Keys.ENTER)
        wait(lambda: driver.find_element(By.ID, "list-title").text == "Zoé Test", "the person named")
        wait(lambda: decoded("#list-items .cell img") >= 1, "the person's photos")
        box = driver.find_element(By.CSS_SELECTOR, "input[type=search]")
        box.clear(); box.send_keys("Zoé Test", Keys.ENTER)
        wait(lambda: decoded("#search-results .cell img") >= 1, "the person found by name")
    else:
        wait(lambda: driver.find_element(By.ID, "people-empty").is_displayed(), "the empty people view")
        print("  (no vision models: the people view is empty)")
    step("phone: the map and a place by address")
    driver.find_element(By.ID, "tab-map").click()
    wait(lambda: js("return document.getElementById('map').dataset.clusters"), "clusters on the phone's map")
    js("S.map.setView([48.853, 2.353], 10)")
    wait(lambda: "at=48.853" in driver.current_url, "the map's view in the address")
    driver.refresh()
    wait(lambda: js("return S.map && S.map.getZoom() === 10 && Math.abs(S.map.getCenter().lat - 48.853) < 0.01"), "the same map view after reload")
    shot("p09-phone-map")
    driver.find_element(By.ID, "tab-places").click()
    wait(lambda: driver.find_elements(By.CSS_SELECTOR, ".place"), "places")
    driver.find_element(By.CSS_SELECTOR, ".place").click()
    wait(lambda: "#/place/" in driver.current_url and decoded("#list-items .cell img") >= 1, "a place's photos")
    place_title, n = driver.find_element(By.ID, "list-title").text, decoded("#list-items .cell img")
    driver.refresh()
    wait(lambda: driver.find_element(By.ID, "list-title").text == place_title and decoded("#list-items .cell img") == n, "the same place after reload")
    print(f"  {driver.current_url}: {place_title} ({n})")
    step("phone: the scrubber, the position in the address, the date drawer")
    driver.find_element(By.ID, "tab-timeline").click()
    wait(lambda: decoded("#spacer .cell img") >= 3, "the timeline")
    js("document.getElementById('scroller').scrollTop = 0")
    y0 = current_year()
    if driver.find_element(By.ID, "scrubber").is_displayed():
        r = js("const r = document.getElementById('scrubber').getBoundingClientRect(); return [r.left + r.width / 2, r.top, r.bottom]")
        swipe(r[0], r[1] + 5, r[0], r[1] + (r[2] - r[1]) * 0.8, steps=12)
    else:
        # the scrubber shows only on a timeline longer than two screens: scroll by hand
        print("  (timeline shorter than two screens: no scrubber; scrolled by touch)")
        swipe(200, 700, 200, 150, steps=12)
        js("const s = document.getElementById('scroller'); s.scrollTop = s.scrollHeight")
    wait(lambda: current_year() and current_year() < y0 and "d=" in driver.current_url, "an older year after dragging the scrubber")
    y1 = current_year()
    shot("p10-phone-scrubbed")
    driver.refresh()
    wait(lambda: decoded("#spacer .cell img") >= 3 and current_year() == y1, "the same timeline position after reload")
    print(f"  scrubbed {y0} -> {y1}; {driver.current_url}")
    driver.find_element(By.ID, "nav-btn").click()
    wait(lambda: driver.find_element(By.ID, "nav").is_displayed(), "the date drawer")
    shot("p11-phone-drawer")
    next(e for e in driver.find_elements(By.CSS_SELECTOR, "#years .year") if e.text.startswith("2022")).click()
    wait(lambda: current_year() == 2022 and not driver.find_element(By.ID, "nav").is_displayed(), "2022 from the drawer")
    if watching and library:
        step("phone: a photo copied into the library shows up (serve --watch)")
        n0 = js("return S.total")
        new = os.path.join(library, "new-from-phone.jpg")
        subprocess.run(["convert", "-size", "480x360", "gradient:white-black", "-quality", "80", new], check=True)
        subprocess.run(["exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2025:06:01 10:00:00", new], check=True)
        seen_pending = False
        end = time.time() + 45
        while time.time() < end and js("return S.total") != n0 + 1:
            seen_pending = seen_pending or driver.find_element(By.ID, "pending").is_displayed()
            time.sleep(0.5)
        if js("return S.total") != n0 + 1:
            raise SystemExit("browser test: a photo copied into a watched library did not show within 45 s")
        print(f"  {n0} -> {n0 + 1} items without a reload; pending indicator seen: {seen_pending}")
    else:
        print("  (the server does not watch: --watch not checked)")
    step("phone: the albums tab within 390 px, an album open, Back")
    js("location.hash = '#/albums'")
    wait(lambda: driver.find_element(By.ID, "album-create").is_displayed(), "the albums view on the phone")
    n_albums = len(driver.find_elements(By.CSS_SELECTOR, "#album-list .album"))
    wide = js("return Math.max(document.documentElement.scrollWidth, document.getElementById('albums-root').scrollWidth)")
    if wide > 391:
        shot("FAILED")
        raise SystemExit(f"browser test: the albums view is {wide} px wide on a 390 px phone")
    if n_albums:
        driver.find_element(By.CSS_SELECTOR, "#album-list .album .album-open").click()
        wait(lambda: driver.find_elements(By.CSS_SELECTOR, "#album-items .album-item img"), "the album's photos on the phone")
        wide = js("return Math.max(document.documentElement.scrollWidth, document.getElementById('albums-root').scrollWidth)")
        shot("p11b-phone-album")
        if wide > 391:
            raise SystemExit(f"browser test: an album is {wide} px wide on a 390 px phone")
        driver.back()
        wait(lambda: driver.current_url.endswith("#/albums") and driver.find_elements(By.CSS_SELECTOR, "#album-list .album"), "Back to the albums")
    print(f"  {n_albums} album(s); widest {wide} px")
    js("location.hash = '#/timeline'")
    wait(lambda: driver.find_element(By.ID, "view-timeline").is_displayed(), "the timeline again")
    step("phone: installable; the cache dropped on logout; English from the menu")
    man = js("const l = document.querySelector('link[rel=manifest]'); return l && l.href")
    m = js("return fetch(arguments[0]).then(r => r.json())", man)
    sizes = {i.get("sizes") for i in m.get("icons", [])}
    regs = driver.execute_async_script("const done = arguments[0]; navigator.serviceWorker.getRegistrations().then(r => done(r.map(x => x.scope)))")
    wait(lambda: driver.execute_async_script("const done = arguments[0]; caches.keys().then(k => done(k.filter(x => x.startsWith('albumen-')).length))"),
         "the service worker's cache")
    print(f"  manifest {m.get('name')!r} {m.get('display')} start_url {m.get('start_url')} icons {sorted(sizes)}; service worker {regs}")
    if m.get("display") != "standalone" or not {"192x192", "512x512"} <= sizes or base + "/" not in regs:
        raise SystemExit("browser test: not installable (manifest or service worker)")
    driver.find_element(By.ID, "menu-btn").click()
    driver.find_element(By.CSS_SELECTOR, "#menu .lang-switch").click()
    wait(lambda: driver.find_element(By.ID, "tab-timeline").text == "Photos" and js("return document.documentElement.lang") == "en", "English")
    shot("p12-phone-english")
    if not driver.find_element(By.ID, "logout").is_displayed():
        driver.find_element(By.ID, "menu-btn").click()
    driver.find_element(By.ID, "logout").click()
    wait(lambda: driver.find_element(By.ID, "login").is_displayed(), "the login form after logout")
    wait(lambda: driver.execute_async_script("const done = arguments[0]; caches.keys().then(k => done(k.filter(x => x.startsWith('albumen-')).length === 0))"),
         "the service worker's cache dropped on logout")
    logs()
except StopIteration:
    pass
finally:
    if driver:
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
