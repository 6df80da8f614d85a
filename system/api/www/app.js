// The tenant page (issue 15 item 4): plain JavaScript, no build step. It talks to prepaid-api's
// tenant routes with the session token in a header (never in the address), kept in this tab's
// sessionStorage only. Chinese by default, English on request; every text is in the two
// catalogues below.
"use strict";

const TEXTS = {
  zh_CN: {
    title: "用电查询", switch: "English", account: "户号", password: "密码", login: "登录",
    balance: "余额", yuan: "元", as_of: "更新于", meters: "电表", meter: "电表",
    relay: "继电器", status_h: "状态", use30: "近 30 天用电", moves: "购电与退费",
    when: "时间", kind: "类型", amount: "金额（元）", none: "无", tariff: "电价",
    logout: "退出", closed: "合闸", open: "分闸", unknown: "未知", kwh: "千瓦时",
    no_tariff: "按场地统一电价计费", sharp: "尖", peak: "峰", flat: "平", valley: "谷",
    from: "起始", rate: "时段", price: "电价（元/千瓦时）", tiers: "阶梯加价",
    sale: "购电", refund: "退费", reversal: "冲正", transfer_in: "转入", transfer_out: "转出",
    settle_credit: "结算转入", settle_debit: "结算转出",
    normal: "正常", alarm1: "报警1", alarm2: "报警2", arrears: "欠费", not_opened: "未开户",
    offline: "失联", failed: "无法连接服务器，请稍后再试",
  },
  en: {
    title: "My electricity", switch: "中文", account: "Account", password: "Password",
    login: "Log in", balance: "Balance", yuan: "yuan", as_of: "As of", meters: "Meters",
    meter: "Meter", relay: "Relay", status_h: "Status", use30: "Use, last 30 days",
    moves: "Purchases and refunds", when: "When", kind: "Kind", amount: "Amount (yuan)",
    none: "None", tariff: "Tariff", logout: "Log out", closed: "closed", open: "open",
    unknown: "unknown", kwh: "kWh", no_tariff: "The site's single price applies",
    sharp: "sharp", peak: "peak", flat: "flat", valley: "valley", from: "From", rate: "Rate",
    price: "Price (yuan/kWh)", tiers: "Tier surcharges", sale: "purchase", refund: "refund",
    reversal: "reversal", transfer_in: "transfer in", transfer_out: "transfer out",
    settle_credit: "settlement in", settle_debit: "settlement out",
    normal: "normal", alarm1: "alarm 1", alarm2: "alarm 2", arrears: "in arrears",
    not_opened: "not opened", offline: "offline",
    failed: "The server cannot be reached; try again later",
  },
};

let lang = sessionStorage.getItem("lang") || "zh_CN";
let token = sessionStorage.getItem("token") || "";
let last = null;  // the data shown, drawn again on a language switch

const $ = (id) => document.getElementById(id);
const t = (key) => (TEXTS[lang][key] !== undefined ? TEXTS[lang][key] : key);

function applyTexts() {
  document.documentElement.lang = lang === "zh_CN" ? "zh-CN" : "en";
  document.title = t("title");
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
}

async function api(method, path, body) {
  const headers = { "Accept-Language": lang === "zh_CN" ? "zh-CN" : "en" };
  if (token) headers.Authorization = "Bearer " + token;
  if (body) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined,
                                  cache: "no-store", credentials: "omit" });
  const data = await res.json();
  if (res.status === 401 && path !== "/api/tenant/session") logout(false);
  return { status: res.status, data };
}

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
}

function fill(tbodyOf, rows, columns) {
  const tbody = tbodyOf.querySelector("tbody");
  tbody.replaceChildren();
  for (const r of rows) {
    const tr = document.createElement("tr");
    for (const [value, cls] of columns(r)) cell(tr, value, cls);
    tbody.appendChild(tr);
  }
}

function statusBadge(el, status) {
  el.className = "status status-" + status;
  el.textContent = t(status);
  el.dataset.status = status;
}

// A bar per day, heights to the largest day; a label every 5 days.
function drawChart(use) {
  const ns = "http://www.w3.org/2000/svg";
  const w = 600, h = 200, left = 36, bottom = 24, top = 10;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("id", "chart-svg");
  const values = use.map((d) => Number(d.energy_kwh));
  const max = Math.max(1, ...values);
  const bw = (w - left) / Math.max(1, use.length);
  const axis = document.createElementNS(ns, "line");
  axis.setAttribute("class", "axis");
  axis.setAttribute("x1", left); axis.setAttribute("x2", w);
  axis.setAttribute("y1", h - bottom); axis.setAttribute("y2", h - bottom);
  svg.appendChild(axis);
  const top_label = document.createElementNS(ns, "text");
  top_label.setAttribute("x", 0); top_label.setAttribute("y", top + 8);
  top_label.textContent = max.toFixed(1);
  svg.appendChild(top_label);
  use.forEach((d, i) => {
    const v = values[i];
    const bh = ((h - bottom - top) * v) / max;
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("class", "bar");
    r.setAttribute("x", left + i * bw + 1);
    r.setAttribute("y", h - bottom - bh);
    r.setAttribute("width", Math.max(1, bw - 2));
    r.setAttribute("height", bh);
    r.dataset.day = d.day;
    r.dataset.kwh = d.energy_kwh;
    const title = document.createElementNS(ns, "title");
    title.textContent = `${d.day}: ${d.energy_kwh} ${t("kwh")}`;
    r.appendChild(title);
    svg.appendChild(r);
    if (i % 5 === 0) {
      const label = document.createElementNS(ns, "text");
      label.setAttribute("x", left + i * bw);
      label.setAttribute("y", h - 8);
      label.textContent = d.day.slice(5);
      svg.appendChild(label);
    }
  });
  $("chart").replaceChildren(svg);
  $("chart").setAttribute("aria-label", t("use30"));
}

function drawTariff(tariff) {
  const box = $("tariff");
  box.replaceChildren();
  if (!tariff) {
    const p = document.createElement("p");
    p.textContent = t("no_tariff");
    box.appendChild(p);
    return;
  }
  const name = document.createElement("p");
  name.textContent = tariff.name;
  box.appendChild(name);
  const table = document.createElement("table");
  table.innerHTML = "<thead><tr><th></th><th class='num'></th></tr></thead><tbody></tbody>";
  table.querySelectorAll("th")[0].textContent = t("rate");
  table.querySelectorAll("th")[1].textContent = t("price");
  for (const rate of ["sharp", "peak", "flat", "valley"]) {
    const tr = document.createElement("tr");
    cell(tr, t(rate));
    cell(tr, tariff.rates[rate], "num");
    table.querySelector("tbody").appendChild(tr);
  }
  box.appendChild(table);
  const periods = document.createElement("p");
  periods.className = "muted";
  periods.textContent = tariff.periods.map((p) => `${p.from} ${t(p.rate)}`).join(" · ");
  box.appendChild(periods);
}

function draw() {
  if (!last) return;
  const { account, usage, tariff } = last;
  $("tenant").textContent = account.tenant;
  $("account-id").textContent = account.account;
  $("balance").textContent = account.balance;
  statusBadge($("status"), account.status);
  $("as-of").textContent = account.as_of.replace("T", " ").slice(0, 16);
  fill($("meters"), account.meters, (m) => [
    [m.meter], [m.relay ? t(m.relay) : t("unknown")], [t(m.status)],
  ]);
  drawChart(usage.use);
  $("total-kwh").textContent = `${usage.total_kwh} ${t("kwh")}`;
  fill($("moves"), usage.moves, (m) => [
    [m.at.replace("T", " ").slice(0, 16)], [t(m.kind)], [m.amount, "num"],
  ]);
  $("no-moves").hidden = usage.moves.length > 0;
  drawTariff(tariff);
}

async function load() {
  const [a, u, tr] = await Promise.all([
    api("GET", "/api/tenant/account"),
    api("GET", "/api/tenant/usage?days=30"),
    api("GET", "/api/tenant/tariff"),
  ]);
  if (a.status !== 200 || u.status !== 200 || tr.status !== 200) return;
  last = { account: a.data, usage: u.data, tariff: tr.data.tariff };
  $("login-view").hidden = true;
  $("account-view").hidden = false;
  draw();
}

function logout(tell) {
  if (tell && token) api("DELETE", "/api/tenant/session");
  token = "";
  last = null;
  sessionStorage.removeItem("token");
  $("account-view").hidden = true;
  $("login-view").hidden = false;
}

async function login(event) {
  event.preventDefault();
  const error = $("login-error");
  error.hidden = true;
  try {
    const r = await api("POST", "/api/tenant/session",
                        { account: $("account").value, password: $("password").value });
    if (r.status !== 200) {
      error.textContent = r.data.error ? r.data.error.message : t("failed");
      error.hidden = false;
      return;
    }
    token = r.data.token;
    sessionStorage.setItem("token", token);
    $("password").value = "";
    await load();
  } catch (e) {
    error.textContent = t("failed");
    error.hidden = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  applyTexts();
  $("login").addEventListener("submit", login);
  $("logout").addEventListener("click", () => logout(true));
  $("lang").addEventListener("click", () => {
    lang = lang === "zh_CN" ? "en" : "zh_CN";
    sessionStorage.setItem("lang", lang);
    applyTexts();
    draw();
  });
  if (token) load();
});
