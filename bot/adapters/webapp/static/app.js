// crmbot quick lookup: search, customer card, deal history, my day, quick log.
// No framework and no build step; every value from the server goes in through
// textContent (never innerHTML), and the CSP allows no inline script.
"use strict";
(() => {
  const all = JSON.parse(document.getElementById("words").textContent);
  let words = all[(navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en"] || all.en;
  const t = (key) => words[key] || all.en[key] || key;
  const $ = (id) => document.getElementById(id);
  const view = $("view");
  let csrf = null, me = null, picked = null, timer = null, seq = 0;

  function el(tag, props, ...kids) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "text") node.textContent = v;
      else if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
      else if (v !== null && v !== undefined) node.setAttribute(k, v);
    }
    for (const kid of kids) if (kid) node.append(kid);
    return node;
  }
  function show(...nodes) { view.replaceChildren(...nodes); window.scrollTo(0, 0); }
  function hint(text) { show(el("p", { class: "hint", text })); }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (csrf && method !== "GET") headers["X-CSRF-Token"] = csrf;
    const res = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(data.error ? data.error.message : t("error")), { status: res.status });
    return data;
  }

  function theme(params) {
    const names = { bg_color: "bg", text_color: "text", hint_color: "hint", link_color: "link",
      button_color: "button", button_text_color: "button-text", secondary_bg_color: "secondary-bg" };
    for (const [key, name] of Object.entries(names))
      if (params[key]) document.documentElement.style.setProperty(`--tg-${name}`, params[key]);
    const bg = /^#([0-9a-f]{6})$/i.exec(params.bg_color || "");
    if (bg) {  // light or dark as Telegram's background is (its own rule: luminance)
      const [r, g, b] = [0, 2, 4].map((i) => parseInt(bg[1].slice(i, i + 2), 16));
      document.documentElement.classList.add(0.2126 * r + 0.7152 * g + 0.0722 * b < 128 ? "dark" : "light");
    }
  }

  async function signIn() {
    const hash = new URLSearchParams(location.hash.slice(1));
    const query = new URLSearchParams(location.search);
    const initData = hash.get("tgWebAppData");
    const themeParams = hash.get("tgWebAppThemeParams");
    if (themeParams) { try { theme(JSON.parse(themeParams)); } catch (e) { /* no theme */ } }
    const token = query.get("t");
    hint(t("signing_in"));
    try {
      if (initData) me = await api("POST", "/app/session", { initData });
      else if (token) me = await api("POST", "/app/session", { token });
      else me = await api("GET", "/app/session");  // a cookie set by WeChat's sign-in
    } catch (err) {
      show(el("p", { class: "card", id: "signin-error", text: err.status === 401 && !initData && !token ? t("ask_again") : err.message }));
      return false;
    }
    if (token) history.replaceState(null, "", location.pathname);  // the link is spent
    csrf = me.csrf || csrf;
    words = all[me.lang] || words;
    document.documentElement.lang = me.lang;
    return true;
  }

  function nav(which) {
    for (const b of document.querySelectorAll("nav button")) b.classList.toggle("on", b.dataset.go === which);
  }

  // ---- search -------------------------------------------------------------------------
  async function search(text) {
    nav("search");
    const mine = ++seq;
    if (!text.trim()) { show(); return; }
    const data = await api("GET", "/api/v1/search?q=" + encodeURIComponent(text.trim()));
    if (mine !== seq) return;  // a newer keystroke won
    if (!data.hits.length) { hint(t("no_results")); return; }
    show(el("ul", { id: "hits" }, ...data.hits.map((h) => el("li", {
      class: "tap hit", on: { click: () => openCompany(h.kind === "company" ? h.id : h.company_id, h) },
    }, el("div", { text: h.name }), h.company_name ? el("div", { class: "sub", text: h.company_name }) : null))));
  }

  // ---- customer card ------------------------------------------------------------------
  function contactRow(c) {
    const number = c.mobile || c.phone;
    // A number masked for this viewer (bot/masking.py) is shown, not offered to call or copy.
    const hidden = (c.masked || []).some((f) => f === "mobile" || f === "phone");
    return el("li", {},
      el("div", { text: c.name + (c.title ? " · " + c.title : "") }),
      number ? el("div", { class: "row" },
        el("span", { class: "sub", text: number }),
        el("span", {},
          c.tel ? el("a", { class: "btn call", href: c.tel, text: t("call") }) : null,
          hidden ? null : el("button", { class: "plain", type: "button", text: t("copy"), on: { click: (e) => {
            navigator.clipboard.writeText(number).then(() => { e.target.textContent = t("copied"); });
          } } }))) : null,
      c.email ? el("div", { class: "sub", text: c.email }) : null);
  }
  async function openCompany(id, hit) {
    if (!id) { hint(hit ? hit.name : t("no_results")); return; }
    const card = await api("GET", `/api/v1/companies/${id}`);
    const co = card.company;
    picked = { id: co.id, name: co.name };
    const parts = [
      el("h1", { id: "company-name", text: co.name }),
      el("div", { class: "sub", text: [co.city, co.industry].filter(Boolean).join(" · ") }),
      el("button", { type: "button", id: "log-here", text: t("log"), on: { click: () => logForm() } }),
    ];
    if (card.contacts.length) parts.push(el("h2", { text: t("contacts") }), el("ul", {}, ...card.contacts.map(contactRow)));
    if (card.open_deals.length) parts.push(el("h2", { text: t("open_deals") }), el("ul", {}, ...card.open_deals.map((d) =>
      el("li", { class: "tap deal", on: { click: () => openDeal(d.id) } },
        el("div", { text: d.title }), el("div", { class: "sub", text: `${d.stage_label} · ${d.amount_label}` })))));
    if (card.next_task) parts.push(el("h2", { text: t("next_task") }), taskRow(card.next_task));
    if (card.activities.length) parts.push(el("h2", { text: t("activities") }), el("ul", { id: "activities" }, ...card.activities.map(activityRow)));
    show(...parts);
  }
  function when(iso) {  // on the rep's own clock, as the chat shows it
    return iso ? new Date(iso).toLocaleString(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short", timeZone: me && me.tz }) : "";
  }
  function activityRow(a) {
    return el("li", {}, el("div", { class: "sub", text: `${a.kind_label} · ${when(a.occurred_at)}` }), el("div", { text: a.summary }));
  }
  async function openDeal(id) {
    const d = await api("GET", `/api/v1/deals/${id}`);
    show(el("h1", { text: d.title }), el("div", { class: "sub", text: `${d.stage_label} · ${d.amount_label}` }),
      el("h2", { text: t("history") }),
      el("ul", {}, ...d.history.map((h) => el("li", { text: `${h.from_stage || "—"} → ${h.to_stage} · ${when(h.changed_at)}` }))),
      el("button", { type: "button", class: "plain", text: t("back"), on: { click: () => openCompany(d.company_id) } }));
  }

  // ---- my day -------------------------------------------------------------------------
  function taskRow(task) {
    const row = el("li", { class: "task", "data-id": task.id },
      el("div", { text: task.title }),
      el("div", { class: task.overdue ? "sub overdue" : "sub", text: [task.company_name, when(task.due_at), task.overdue ? t("overdue") : ""].filter(Boolean).join(" · ") }));
    if (!task.done) row.append(el("div", { class: "row" },
      el("button", { type: "button", class: "done", text: t("done"), on: { click: () => act(task.id, "done", undefined, row) } }),
      el("button", { type: "button", class: "plain", text: t("snooze"), on: { click: () => act(task.id, "snooze", { until: "tomorrow" }, row) } })));
    return row;
  }
  const taskActions = { done: (id) => `/api/v1/tasks/${id}/done`, snooze: (id) => `/api/v1/tasks/${id}/snooze` };
  async function act(id, what, body, row) {
    const result = await api("POST", taskActions[what](id), body);
    row.replaceWith(el("li", { class: "sub", text: result.message }));
  }
  async function day() {
    nav("day");
    const d = await api("GET", "/api/v1/my-day");
    show(el("h2", { text: t("tasks_today") }),
      d.tasks.length ? el("ul", { id: "tasks" }, ...d.tasks.map(taskRow)) : el("p", { class: "hint", text: t("no_tasks") }),
      el("h2", { text: t("visits_week") }),
      ...(d.days.length ? d.days.map(visitDay) : [el("p", { class: "hint", text: t("no_visits") })]));
  }
  // No map on the page (its tiles would come from the internet): each check-in opens in
  // the phone's own maps app through its geo: link.
  function visitDay(group) {
    const [y, m, dd] = group.day.split("-").map(Number);
    const label = new Date(Date.UTC(y, m - 1, dd)).toLocaleDateString(document.documentElement.lang, { weekday: "long", month: "long", day: "numeric", timeZone: "UTC" });
    return el("section", { class: "visit-day" }, el("h3", { text: label }), el("ul", {}, ...group.visits.map(visitRow)));
  }
  function visitRow(v) {
    const time = new Date(v.occurred_at).toLocaleTimeString(document.documentElement.lang, { timeStyle: "short", timeZone: me && me.tz });
    const place = v.map_url
      ? el("a", { class: "map", href: v.map_url, text: `📍 ${v.place || t("open_map")}` })
      : el("span", { class: "sub", text: `📍 ${t("no_place")}` });
    return el("li", { class: "visit" },
      el("div", { class: "sub", text: [time, v.kind_label, v.company_name].filter(Boolean).join(" · ") }),
      el("div", { text: v.summary }), el("div", {}, place));
  }

  // ---- quick log ----------------------------------------------------------------------
  function logForm() {
    nav("log");
    const kinds = ["visit", "call", "meeting", "email", "wechat", "note"];
    const kind = el("select", { id: "kind" }, ...kinds.map((k) => el("option", { value: k, text: t("kind_" + k) })));
    const note = el("textarea", { id: "note", rows: "4", required: "" });
    const follow = el("input", { id: "follow-up", type: "datetime-local" });
    const result = el("p", { class: "hint", id: "log-result" });
    const form = el("form", { id: "log-form", on: { submit: async (e) => {
      e.preventDefault();
      if (!picked) { result.textContent = t("pick_customer"); return; }
      try {
        const body = { company_id: picked.id, kind: kind.value, note: note.value };
        if (follow.value) body.follow_up = follow.value;  // the rep's own time zone, server side
        const saved = await api("POST", "/api/v1/log", body);
        result.textContent = saved.message;
        note.value = ""; follow.value = "";
      } catch (err) { result.textContent = err.message; }
    } } },
      el("label", { text: t("customer") }), el("div", { id: "log-customer", text: picked ? picked.name : t("pick_customer") }),
      el("label", { for: "kind", text: t("kind") }), kind,
      el("label", { for: "note", text: t("note") }), note,
      el("label", { for: "follow-up", text: t("follow_up") }), follow,
      el("p", {}, el("button", { type: "submit", id: "save", text: t("save") })), result);
    show(form);
  }

  // ---- reports (managers) -------------------------------------------------------------
  async function reports() {
    nav("reports");
    const parts = [];
    for (const kind of ["pipeline", "funnel"]) {
      const r = await api("GET", "/api/v1/report?kind=" + kind);
      parts.push(el("h2", { text: t(kind) }));
      if (r.png) parts.push(el("img", { class: "chart", alt: t(kind), src: "data:image/png;base64," + r.png }));
      parts.push(el("p", { class: "sub summary", text: r.summary }));
    }
    show(...parts);
  }

  async function start() {
    const ok = await signIn();
    const q = $("q");
    $("nav-search").textContent = t("search"); $("nav-day").textContent = t("my_day"); $("nav-log").textContent = t("log"); $("nav-reports").textContent = t("reports");
    if (!ok) return;
    q.placeholder = t("search_placeholder"); q.disabled = false;
    $("nav-reports").hidden = me.role === "rep";
    q.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => search(q.value).catch((e) => hint(e.message)), 120); });
    const go = { search: () => { search(q.value); q.focus(); }, day, log: logForm, reports };
    for (const b of document.querySelectorAll("nav button")) b.addEventListener("click", () => Promise.resolve(go[b.dataset.go]()).catch((e) => hint(e.message)));
    await day().catch((e) => hint(e.message));
  }
  document.addEventListener("DOMContentLoaded", () => { start(); });
})();
