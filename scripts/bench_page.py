#!/usr/bin/env python3
"""The page on a phone, measured (see scripts/bench-page.sh): Chromium at 390×844 with the
DevTools CPU throttle at 4×. Usage: bench_page.py BASE_URL USER PASSWORD YEAR_FROM YEAR_TO.
Prints: login → first screen of decoded thumbnails (ms); frames a second while scrolling the
timeline through one year (driven a frame at a time by requestAnimationFrame, so every frame
moves: the rate is what the page sustains), with the 95th-percentile frame time; the page's
JavaScript heap and DOM size after scrolling through every item."""
import json, statistics, sys, time
sys.path.insert(0, __import__("os").path.join(__import__("os").path.dirname(__file__)))
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

base, user, pw, y0, y1 = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
o = webdriver.ChromeOptions()
o.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--lang=zh-CN", "--window-size=390,844",
          "--enable-precise-memory-info", "--disable-background-timer-throttling", "--disable-renderer-backgrounding"):
    o.add_argument(a)
o.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 3.0}})
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
try:
    d.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 4})
    d.execute_cdp_cmd("Performance.enable", {})
    d.get(base + "/")
    end = time.time() + 30
    while not d.find_elements(By.ID, "login-user") or not d.find_element(By.ID, "login-user").is_displayed():
        time.sleep(0.05)
        if time.time() > end:
            raise SystemExit("no login form")
    d.find_element(By.ID, "login-user").send_keys(user)
    d.find_element(By.ID, "login-pass").send_keys(pw)
    # Timed in the page: from the login button's click to the first frame in which every cell
    # of the first screen has a decoded thumbnail.
    d.execute_script("""
      window.__t0 = 0; window.__first = 0;
      document.getElementById('login-btn').addEventListener('click', () => { window.__t0 = performance.now(); }, { capture: true });
      const check = () => {
        const sc = document.getElementById('scroller');
        const cells = [...document.querySelectorAll('#spacer .cell img')].filter(i => {
          const r = i.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; });
        if (window.__t0 && cells.length >= 9 && cells.every(i => i.complete && i.naturalWidth > 0)) { window.__first = performance.now() - window.__t0; return; }
        requestAnimationFrame(check);
      };
      requestAnimationFrame(check);""")
    d.find_element(By.ID, "login-btn").click()
    end = time.time() + 60
    while not d.execute_script("return window.__first") and time.time() < end:
        time.sleep(0.05)
    first = d.execute_script("return window.__first")
    print(f"login → first screen of thumbnails: {first:.0f} ms (CPU throttle 4×, 390×844)")
    time.sleep(2)
    # One year: from the first item of Dec 31 of y1 to that of Jan 1 of y0+… (newest first).
    span = d.execute_script("""
      const a = posOf(indexOfDay(arguments[0])), b = posOf(indexOfDay(arguments[1]));
      return [a.top + spacerTop(), b.top + spacerTop(), indexOfDay(arguments[1]) - indexOfDay(arguments[0])];""",
      f"{y1}-12-31", f"{y0}-12-31")
    top, bottom, n = span
    secs = 10.0
    res = d.execute_async_script("""
      const [top, bottom, secs, done] = arguments; const sc = document.getElementById('scroller');
      sc.scrollTop = top; const times = []; let t0 = 0;
      const f = (ts) => {
        if (!t0) t0 = ts; times.push(ts);
        const p = (ts - t0) / (secs * 1000);
        if (p >= 1) { done(times); return; }
        sc.scrollTop = top + (bottom - top) * p;
        requestAnimationFrame(f);
      };
      requestAnimationFrame(f);""", top, bottom, secs)
    gaps = [b - a for a, b in zip(res, res[1:])]
    fps = len(gaps) / ((res[-1] - res[0]) / 1000)
    p95 = sorted(gaps)[int(len(gaps) * 0.95)]
    print(f"scrolling one year ({n} items, {bottom - top:.0f} px in {secs:.0f} s): {fps:.1f} frames/s, "
          f"median frame {statistics.median(gaps):.1f} ms, p95 {p95:.1f} ms, longest {max(gaps):.1f} ms")
    # Through everything, then memory.
    d.execute_async_script("""
      const done = arguments[0]; const sc = document.getElementById('scroller'); let y = 0;
      const f = () => { y += sc.clientHeight * 3; sc.scrollTop = y; if (y < sc.scrollHeight) requestAnimationFrame(f); else setTimeout(done, 1500); };
      requestAnimationFrame(f);""")
    d.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
    m = {x["name"]: x["value"] for x in d.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]}
    total = d.execute_script("return S.total")
    pages = d.execute_script("return S.pages.size")
    print(f"after scrolling all {total} items: JS heap {m['JSHeapUsedSize'] / 1e6:.1f} MB used "
          f"({m['JSHeapTotalSize'] / 1e6:.1f} MB total), {int(m['Nodes'])} DOM nodes, {pages} item pages kept")
finally:
    d.quit()
