/*
 * inbox.js - the console's first page: the chats handed to people, from
 * GET /api/conversations (the server already leaves out what this user may
 * not see). Tabs "Venter" (waiting for someone), "Mine" (taken by me) and
 * "Alle" (waiting or taken, by anyone); urgent and crisis first, then the
 * longest waiting. Each row: reason, how long the citizen has waited, the
 * SLA in words (not by colour alone), department and who has it. Admins can
 * filter by department; everyone can search by case reference or text.
 * Live changes (console.js's "live" events) reload the list.
 */
"use strict";

(function () {
  var bb = window.bb;
  var state = { tab: "venter", department: "", q: "" };

  var TABS = [
    { id: "venter", label: "Venter" },
    { id: "mine", label: "Mine" },
    { id: "alle", label: "Alle" }
  ];

  function status(box, text, st) {
    var s = box.querySelector("#inbox-status");
    s.textContent = text;
    s.setAttribute("data-state", st);
    s.className = st === "unavailable" || st === "empty" ? "empty" : "muted";
  }

  /* "Svarfrist om 35 min" / "Svarfristen er overskredet med 10 min" */
  function sla(c) {
    var due = c.sla && c.sla.first_response_due;
    if (c.first_response_at || !due) return null;
    var left = (new Date(due).getTime() - Date.now()) / 1000;
    if (isNaN(left)) return null;
    if (left < 0 || (c.sla.breached || []).indexOf("first_response") >= 0)
      return bb.el("span", { class: "sla-over" }, "⚠ Svarfristen er overskredet med " + bb.duration(-left));
    return bb.el("span", { class: "sla-due" }, "Svarfrist om " + bb.duration(left));
  }

  function item(c) {
    var li = bb.el("li", { class: c.urgent ? "urgent" : "", "data-id": c.id });
    var title = bb.el("p", { class: "title" },
      bb.el("a", { href: "#/samtale/" + c.id }, bb.el("strong", null, "Samtale " + c.id)));
    if (c.urgent) title.appendChild(bb.el("span", { class: "badge" }, " · Haster"));
    li.appendChild(title);
    var reason = bb.REASONS[c.reason] || c.reason || "";
    if (reason) li.appendChild(bb.el("p", null, reason));
    var last = c.last_message || "";
    if (typeof last === "object" && last) last = last.text || "";
    if (last) li.appendChild(bb.el("p", { class: "text" }, last));
    var wait = c.waiting_seconds !== null && c.waiting_seconds !== undefined
      ? "Har ventet " + bb.duration(c.waiting_seconds) : "";
    var s = sla(c);
    if (wait || s) {
      var p = bb.el("p", { class: "wait" }, wait);
      if (s) { if (wait) p.appendChild(document.createTextNode(" · ")); p.appendChild(s); }
      li.appendChild(p);
    }
    var who = c.assignee_name || c.assignee ? "Hos " + (c.assignee_name || c.assignee) : "Ingen har taget den";
    var meta = [bb.MODES[c.mode] || c.mode || "", c.department || "", who,
      bb.when(c.handed_over_at || c.updated_at || c.created_at)];
    li.appendChild(bb.el("p", { class: "meta" }, meta.filter(Boolean).join(" · ")));
    return li;
  }

  function query() {
    var p = [];
    if (state.tab === "venter") p.push("mode=waiting_for_staff");
    else p.push("mode=waiting_for_staff,staff");
    if (state.tab === "mine" && bb.user) p.push("assignee=" + encodeURIComponent(bb.user.username || bb.user.name));
    if (state.department) p.push("department=" + encodeURIComponent(state.department));
    if (state.q) p.push("q=" + encodeURIComponent(state.q));
    return "/api/conversations?" + p.join("&");
  }

  function load(box) {
    box.setAttribute("aria-busy", "true");
    return bb.api("GET", query()).then(function (res) {
      var list = box.querySelector("#inbox-list");
      if (res.status === 404) {
        status(box, "Indbakken er ikke tilgængelig endnu. Her kommer de chats, som Borgerbot giver videre til jer.", "unavailable");
        return;
      }
      if (!res.ok || !res.data) {
        status(box, res.status === 400 ? bb.failure(res) : "Samtalerne kunne ikke hentes lige nu. Prøv at genindlæse siden.", "error");
        return;
      }
      var items = res.data.conversations || [];
      list.replaceChildren();
      if (!items.length) {
        status(box, state.q ? "Ingen samtaler passer til søgningen." :
          state.tab === "mine" ? "Du har ingen samtaler lige nu." :
          "Ingen borgere venter lige nu. Nye samtaler dukker op her.", "empty");
        return;
      }
      status(box, items.length === 1 ? "1 samtale" : items.length + " samtaler", "list");
      items.forEach(function (c) { list.appendChild(item(c)); });
    }).catch(function () {
      status(box, bb.failure(null), "error");
    }).then(function () { box.setAttribute("aria-busy", "false"); });
  }

  function tabs(box) {
    var ul = bb.el("ul", { class: "tabs", "aria-label": "Vis" });
    TABS.forEach(function (t) {
      var b = bb.el("button", { type: "button", id: "tab-" + t.id, "aria-pressed": state.tab === t.id ? "true" : "false" }, t.label);
      b.addEventListener("click", function () {
        state.tab = t.id;
        ul.querySelectorAll("button").forEach(function (x) { x.setAttribute("aria-pressed", x === b ? "true" : "false"); });
        load(box);
      });
      ul.appendChild(bb.el("li", null, b));
    });
    return ul;
  }

  function filters(box) {
    var form = bb.el("form", { class: "filters", role: "search", id: "inbox-search" });
    var q = bb.el("input", { type: "search", id: "inbox-q", name: "q", maxlength: "200", value: state.q,
      "aria-describedby": "inbox-q-help" });
    form.appendChild(bb.el("div", null, bb.el("label", { for: "inbox-q" }, "Søg"), q,
      bb.el("p", { id: "inbox-q-help", class: "muted" }, "Sagsnummer (fx TM-2026-00012) eller tekst fra borgeren")));
    var dept = null;
    if (bb.user && bb.user.role === "admin") {
      dept = bb.el("select", { id: "inbox-department" }, bb.el("option", { value: "" }, "Alle afdelinger"));
      bb.api("GET", "/api/departments").then(function (res) {
        ((res.data && res.data.departments) || []).forEach(function (d) {
          dept.appendChild(bb.el("option", { value: d, selected: d === state.department }, d));
        });
      });
      form.appendChild(bb.el("div", null, bb.el("label", { for: "inbox-department" }, "Afdeling"), dept));
    }
    form.appendChild(bb.el("div", null, bb.el("button", { type: "submit" }, "Søg")));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      state.q = q.value.trim();
      state.department = dept ? dept.value : "";
      load(box);
    });
    if (dept) dept.addEventListener("change", function () { state.department = dept.value; load(box); });
    return form;
  }

  function render(main) {
    var box = bb.el("section", { id: "inbox", "aria-labelledby": "inbox-title", "aria-busy": "true" },
      bb.el("h1", { id: "inbox-title" }, "Indbakke"));
    box.appendChild(tabs(box));
    box.appendChild(filters(box));
    box.appendChild(bb.el("p", { id: "inbox-status", class: "muted", role: "status" }, "Henter samtaler …"));
    box.appendChild(bb.el("ul", { id: "inbox-list", class: "conversations" }));
    main.appendChild(box);
    load(box);
    var timer = null;
    var off = bb.on("live", function () {
      if (timer) return;
      timer = window.setTimeout(function () { timer = null; load(box); }, 300);
    });
    return function () { off(); if (timer) window.clearTimeout(timer); };
  }

  bb.page("indbakke", { title: "Indbakke", nav: true, render: render });
})();
