/*
 * console.js - the console shell's inbox: asks /api/conversations for the
 * chats waiting for staff and lists them. Citizen text is only ever set
 * with textContent, never innerHTML, so markup in a message shows as text.
 * State-changing calls send the session's CSRF token (meta csrf-token) in
 * X-CSRF-Token.
 */
"use strict";

(function () {
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";

  function api(method, path, body) {
    var opts = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") {
      opts.headers["X-CSRF-Token"] = csrf;
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body || {});
    }
    return fetch(path, opts);
  }
  window.borgerbotApi = api;

  var MODES = {
    waiting_for_staff: "Venter på en medarbejder",
    staff: "Hos en medarbejder",
    bot: "Hos Borgerbot",
    closed: "Lukket"
  };

  var REASONS = {
    citizen_asked: "Borgeren bad om en medarbejder",
    complaint: "Klage",
    anger: "Borgeren er utilfreds",
    crisis: "Krise – haster",
    not_understood: "Borgerbot forstod ikke beskeden",
    unknown_place: "Stedet kunne ikke findes",
    no_answer: "Borgerbot havde ikke et svar",
    other_topic: "Andet emne",
    staff_took: "Taget af en medarbejder",
    page_inbox: "Besvaret fra Facebooks indbakke",
    handed_back: "Givet tilbage til Borgerbot",
    control_returned: "Givet tilbage fra Facebooks indbakke",
    closed_by_staff: "Lukket af en medarbejder",
    transfer: "Overført fra en anden afdeling",
    idle_timeout: "Ingen aktivitet i et stykke tid"
  };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function when(v) {
    var d = typeof v === "number" ? new Date(v) : new Date(String(v));
    if (isNaN(d.getTime())) return "";
    return d.toLocaleString("da-DK", { dateStyle: "short", timeStyle: "short" });
  }

  function status(text, state) {
    var s = document.getElementById("inbox-status");
    s.textContent = text;
    s.setAttribute("data-state", state);
    s.className = state === "unavailable" || state === "empty" ? "empty" : "muted";
  }

  function render(items) {
    var list = document.getElementById("inbox-list");
    list.replaceChildren();
    if (!items.length) {
      status("Ingen borgere venter lige nu. Nye samtaler dukker op her.", "empty");
      return;
    }
    status(items.length === 1 ? "1 samtale" : items.length + " samtaler", "list");
    items.forEach(function (c) {
      var li = el("li", c.urgent ? "urgent" : "");
      var title = el("p", "title");
      var strong = el("strong", "", "Samtale " + (c.id !== undefined ? c.id : ""));
      title.appendChild(strong);
      if (c.urgent) title.appendChild(el("span", "badge", " · Haster"));
      li.appendChild(title);
      var reason = REASONS[c.reason] || c.reason || "";
      if (reason) li.appendChild(el("p", "", reason));
      var last = c.last_message || "";
      if (typeof last === "object" && last) last = last.text || "";
      if (last) li.appendChild(el("p", "text", last));
      var meta = [MODES[c.mode] || c.mode || "", c.department || "", c.assignee_name || "", when(c.handed_over_at || c.updated_at || c.created_at)];
      li.appendChild(el("p", "meta", meta.filter(Boolean).join(" · ")));
      list.appendChild(li);
    });
  }

  function load() {
    var box = document.getElementById("inbox");
    api("GET", "/api/conversations?mode=waiting_for_staff,staff").then(function (r) {
      if (r.status === 401) { window.location.assign("/console"); return null; }
      if (r.status === 404) {
        status("Indbakken er ikke tilgængelig endnu. Her kommer de chats, som Borgerbot giver videre til jer.", "unavailable");
        return null;
      }
      if (!r.ok) { status("Samtalerne kunne ikke hentes lige nu. Prøv at genindlæse siden.", "error"); return null; }
      return r.json();
    }).then(function (data) {
      if (!data) return;
      var items = Array.isArray(data) ? data : (data.conversations || data.items || []);
      render(Array.isArray(items) ? items : []);
    }).catch(function () {
      status("Der er ingen forbindelse til serveren. Prøv igen om lidt.", "error");
    }).then(function () { box.setAttribute("aria-busy", "false"); });
  }

  document.addEventListener("DOMContentLoaded", load);
})();
