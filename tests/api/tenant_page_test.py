#!/usr/bin/env python3
"""The tenant page (issue 15 item 4) in Debian's headless Chromium, driven by Selenium.

A month of one box's use is made by the scenario bench (a scenario written here, ending now, so
the page's "last 30 days" has it), its database gets an operator (prepaidctl init), the daily
roll-ups (prepaidctl report rebuild), and through the API a cashier and the tenant's password.
Then prepaid-api serves it over TLS (its self-signed pair) and a phone-sized browser:
  - fails a login (wrong password): the error shows, in Chinese;
  - logs in: the balance is the API's, the status has its colour, the relay shows, the chart
    has a bar per day with the month's use, the purchases list the sales;
  - switches to English and back;
  - cannot reach another account: the tenant's token opens no operator route and no other
    account, and the other account's login with this password is refused.
Screenshots go to $PHIL_SCREENSHOTS (default ./screenshots). Every wait is bounded.

usage: tenant_page_test.py BUILD_DIR SOURCE_DIR
"""
import datetime
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BUILD, SOURCE = sys.argv[1], sys.argv[2]
BENCH = os.path.join(BUILD, "bench", "hil-bench")
CTL = os.path.join(BUILD, "system", "app", "prepaidctl")
API = os.path.join(BUILD, "system", "app", "prepaid-api")
PASSWORD = "qa-counter-secret-2026"
TENANT_PASSWORD = "my flat 401 password"
SHOTS = os.environ.get("PHIL_SCREENSHOTS", os.path.abspath("screenshots"))


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def run(args, env=None, **kw):
    r = subprocess.run(args, env={**os.environ, **(env or {})}, capture_output=True, text=True,
                       timeout=600, **kw)
    if r.returncode != 0:
        fail(f"{' '.join(args)} exited {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r.stdout


def scenario(start):
    return f"""name: tenant page, a month of one box's use
clock: {{start: {start}, step: 1h}}
fleet:
  buses:
    - id: bus1
      port: vbus/bus1
      baud: 9600
      boxes:
        - address: 1
          model: adf300l-i
          circuits:
            1: {{load: {{daily: residential, peak_w: 1500, seed: 11}}}}
            2: {{load: {{daily: office, peak_w: 900, seed: 12}}}}
system: {{poll_interval: 1h, price: "0.6000"}}
accounts:
  - {{id: A401, meters: [bus1/1/1], sale: "300.00", tenant: Zhang San}}
  - {{id: A402, meters: [bus1/1/2], sale: "200.00", tenant: Li Si}}
timeline:
  - {{at: +15d, sale: {{account: A401, amount: "100.00"}}}}
  - {{at: +15d}}
  - expect: {{ledger: consistent}}
"""


class Api:
    def __init__(self, port, cafile):
        self.base = f"https://127.0.0.1:{port}"
        self.ctx = ssl.create_default_context(cafile=cafile)

    def call(self, method, path, body=None, token=None):
        headers = {"Accept-Language": "en"}
        if token:
            headers["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=20) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def login(self, who, password):
        status, j = self.call("POST", "/api/session", {"id": who, "password": password})
        if status != 200:
            fail(f"{who} could not log in: {j}")
        return j["token"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    os.makedirs(SHOTS, exist_ok=True)
    work = tempfile.mkdtemp(prefix="phil-tenant-page-")
    api_proc = None
    driver = None
    try:
        # A month ending about now, in the site's zone (+08:00), on the hour.
        tz = datetime.timezone(datetime.timedelta(hours=8))
        start = (datetime.datetime.now(tz) - datetime.timedelta(days=30)).replace(
            minute=0, second=0, microsecond=0)
        sc = os.path.join(work, "tenant-month.yaml")
        with open(sc, "w") as f:
            f.write(scenario(start.isoformat()))
        report = os.path.join(work, "report")
        run([BENCH, "run", sc, "--report", report, "--profiles", os.path.join(SOURCE, "profiles")])
        found = [os.path.join(d, "system.db") for d, _, files in os.walk(report)
                 if "system.db" in files]
        if len(found) != 1:
            fail(f"the bench left {len(found)} databases in {report}")
        db = os.path.join(work, "site.db")
        shutil.copy(found[0], db)

        env = {"PHIL_PASSWORD": PASSWORD}
        run([CTL, "--db", db, "init", "--admin", "qa-admin"], env)
        session = os.path.join(work, "admin.session")
        run([CTL, "--db", db, "--operator", "qa-admin", "--session-file", session, "login"], env)
        run([CTL, "--db", db, "--session-file", session, "report", "rebuild"], env)

        port = free_port()
        api_cfg = os.path.join(work, "api.yaml")
        with open(api_cfg, "w") as f:
            f.write(f"listen: 127.0.0.1:{port}\ntls: {{generated_dir: {work}/tls}}\n")
        log = open(os.path.join(work, "api.log"), "w")
        api_proc = subprocess.Popen(
            [API, "--config", os.path.join(SOURCE, "tests/api/fixtures/tenant-site.yaml"),
             "--api-config", api_cfg, "--db", db, "--profiles", os.path.join(SOURCE, "profiles")],
            stdout=log, stderr=subprocess.STDOUT)
        cert = os.path.join(work, "tls", "api.crt")
        api = None  # made once the server has written its certificate
        deadline = time.monotonic() + 30
        while True:
            try:
                if os.path.exists(cert):
                    api = api or Api(port, cert)
                    if api.call("GET", "/api/openapi.json")[0] == 200:
                        break
            except (OSError, ssl.SSLError):
                pass
            if api_proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                fail("prepaid-api did not start:\n" + open(os.path.join(work, "api.log")).read())
            time.sleep(0.2)

        # The office: a cashier, who sets the tenant's password at the counter.
        admin = api.login("qa-admin", PASSWORD)
        status, j = api.call("POST", "/api/operators",
                             {"id": "qa-cashier", "role": "cashier", "password": PASSWORD}, admin)
        if status != 201:
            fail(f"operator add: {j}")
        cashier = api.login("qa-cashier", PASSWORD)
        status, j = api.call("POST", "/api/accounts/A401/tenant-password",
                             {"password": TENANT_PASSWORD}, cashier)
        if status != 200:
            fail(f"tenant password: {j}")
        status, a401 = api.call("GET", "/api/accounts/A401", token=cashier)
        balance = a401["account"]["balance"]

        opts = Options()
        for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--ignore-certificate-errors", "--window-size=390,844", "--lang=zh-CN"]:
            opts.add_argument(arg)
        opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or
                                                  "/usr/bin/chromedriver"), options=opts)
        driver.set_page_load_timeout(30)
        wait = WebDriverWait(driver, 20)
        driver.get(api.base + "/")
        wait.until(EC.visibility_of_element_located((By.ID, "account")))
        if driver.find_element(By.ID, "title").text != "用电查询":
            fail("the page is not in Chinese by default")
        driver.save_screenshot(os.path.join(SHOTS, "1-login.png"))

        # A failed login.
        driver.find_element(By.ID, "account").send_keys("A401")
        driver.find_element(By.ID, "password").send_keys("not my password at all")
        driver.find_element(By.ID, "login-button").click()
        error = wait.until(EC.visibility_of_element_located((By.ID, "login-error")))
        if "密码错误" not in error.text:
            fail(f"a failed login says {error.text!r}")
        driver.save_screenshot(os.path.join(SHOTS, "2-login-failed.png"))

        # The right one.
        driver.find_element(By.ID, "password").clear()
        driver.find_element(By.ID, "password").send_keys(TENANT_PASSWORD)
        driver.find_element(By.ID, "login-button").click()
        wait.until(EC.visibility_of_element_located((By.ID, "account-view")))
        wait.until(lambda d: d.find_element(By.ID, "balance").text != "")
        shown = driver.find_element(By.ID, "balance").text
        if shown != balance:
            fail(f"the page shows balance {shown}, the API {balance}")
        status_el = driver.find_element(By.ID, "status")
        colour = status_el.value_of_css_property("background-color")
        if status_el.get_attribute("data-status") == "normal" and colour != "rgba(46, 125, 50, 1)":
            fail(f"status normal is not green: {colour}")
        relay = driver.find_element(By.CSS_SELECTOR, "#meters tbody tr td:nth-child(2)").text
        if relay not in ("合闸", "分闸"):
            fail(f"the relay shows {relay!r}")
        bars = driver.find_elements(By.CSS_SELECTOR, "#chart-svg rect.bar")
        used = [float(b.get_attribute("data-kwh")) for b in bars]
        if not 28 <= len(bars) <= 31 or sum(1 for u in used if u > 0) < 25:
            fail(f"the chart has {len(bars)} bars, {sum(1 for u in used if u > 0)} with use")
        moves = driver.find_elements(By.CSS_SELECTOR, "#moves tbody tr")
        if len(moves) < 1:
            fail("no purchase is listed")
        driver.save_screenshot(os.path.join(SHOTS, "3-account-zh.png"))

        # English, and back.
        driver.find_element(By.ID, "lang").click()
        wait.until(lambda d: d.find_element(By.ID, "title").text == "My electricity")
        if driver.find_element(By.CSS_SELECTOR, "#meters thead th").text != "Meter":
            fail("the table is not in English after the switch")
        driver.save_screenshot(os.path.join(SHOTS, "4-account-en.png"))
        driver.find_element(By.ID, "lang").click()
        wait.until(lambda d: d.find_element(By.ID, "title").text == "用电查询")

        # Another account is out of reach.
        token = driver.execute_script("return sessionStorage.getItem('token')")
        if not token or token in driver.current_url:
            fail("the token is not kept in the tab, or it is in the address")
        for path in ["/api/accounts/A402", "/api/status", "/api/whoami"]:
            status, _ = api.call("GET", path, token=token)
            if status != 401:
                fail(f"the tenant's token opened {path}: {status}")
        status, j = api.call("POST", "/api/tenant/session",
                             {"account": "A402", "password": TENANT_PASSWORD})
        if status != 401:
            fail(f"A402 with A401's password: {status} {j}")
        status, me = api.call("GET", "/api/tenant/account", token=token)
        if status != 200 or me["account"] != "A401":
            fail(f"the tenant's own account: {status} {me}")
        driver.find_element(By.ID, "logout").click()
        wait.until(EC.visibility_of_element_located((By.ID, "login-view")))
        status, _ = api.call("GET", "/api/tenant/account", token=token)
        if status != 401:
            fail("the token still works after logout")
        print(f"tenant page: ok; screenshots in {SHOTS}")
    finally:
        if driver:
            driver.quit()
        if api_proc:
            api_proc.terminate()
            try:
                api_proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                api_proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
