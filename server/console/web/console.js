/*
 * console.js - the console shell's core, shared by every page file
 * (inbox.js, conversation.js, cases.js, admin.js): a hash router, the one
 * API caller (session cookie + the CSRF token from <meta name=csrf-token>
 * in X-CSRF-Token on every state change), the one element builder, Danish
 * labels and date formatting, and a small event bus that the live updates
 * feed.
 *
 * Rules every page follows: citizen text is only ever set with textContent
 * (bb.el never parses markup), no inline handlers or styles (the CSP allows
 * none), every control is reachable by keyboard, and a page announces what
 * it did in the shell's status region (bb.say).
 *
 * A page registers itself with bb.page(name, {title, nav, admin, render}):
 * "#/name/arg1/arg2" calls render(main, ["arg1", "arg2"]). The page's
 * render may return a function that is called when the page is left (to
 * stop timers or listeners).
 */
"use strict";

(function () {
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var bb = {
    csrf: csrfMeta ? csrfMeta.getAttribute("content") : "",
    user: null,
    pages: {},
    order: []
  };
  window.bb = bb;

  /* ---- API ---------------------------------------------------------------------- */

  /* Resolves to {status, ok, data} (data is the parsed JSON or null); a 401
   * sends the browser to the login page. */
  bb.api = function (method, path, body) {
    var opts = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET" && method !== "HEAD") {
      opts.headers["X-CSRF-Token"] = bb.csrf;
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body || {});
    }
    return fetch(path, opts).then(function (r) {
      if (r.status === 401) {
        window.location.assign("/console");
      }
      return r.text().then(function (t) {
        var data = null;
        try { data = t ? JSON.parse(t) : null; } catch (e) { data = null; }
        return { status: r.status, ok: r.ok, data: data };
      });
    });
  };

  /* The Danish sentence for a failed call: the server's own error text when
   * it gave one, else a general one. */
  bb.failure = function (res) {
    if (!res) return "Der er ingen forbindelse til serveren. Prøv igen om lidt.";
    if (res.data && typeof res.data.error === "string") return res.data.error;
    if (res.status === 403) return "Det har du ikke adgang til.";
    if (res.status === 404) return "Det findes ikke (længere).";
    if (res.status === 409) return "Det kan ikke lade sig gøre lige nu.";
    if (res.status === 429) return "For mange forsøg. Vent lidt og prøv igen.";
    return "Noget gik galt (" + res.status + "). Prøv igen om lidt.";
  };

  /* ---- elements ----------------------------------------------------------------- */

  /* bb.el("p", {class: "meta", "aria-live": "polite"}, "text", childNode, ...):
   * attributes are set with setAttribute (never on* handlers: use
   * addEventListener), strings become text nodes. */
  bb.el = function (tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (/^on/i.test(k)) throw new Error("bb.el: use addEventListener, not " + k);
        e.setAttribute(k, v === true ? "" : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      e.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    return e;
  };

  bb.when = function (v) {
    if (v === null || v === undefined || v === "") return "";
    var d = typeof v === "number" ? new Date(v) : new Date(String(v));
    if (isNaN(d.getTime())) return "";
    /* Copenhagen time, whatever the PC's own zone: every time in Borgerbot is the municipality's */
    return d.toLocaleString("da-DK", { dateStyle: "short", timeStyle: "short", timeZone: "Europe/Copenhagen" });
  };

  /* "28.2.2027" for a day (ms or ISO): the date in Copenhagen */
  bb.day = function (v) {
    var d = typeof v === "number" ? new Date(v) : new Date(String(v));
    if (isNaN(d.getTime())) return "";
    return d.toLocaleDateString("da-DK", { timeZone: "Europe/Copenhagen" });
  };

  /* "12 min", "3 t 5 min", "2 dage" */
  bb.duration = function (seconds) {
    var s = Math.max(0, Math.round(seconds));
    if (s < 60) return "under 1 min";
    var m = Math.floor(s / 60);
    if (m < 60) return m + " min";
    var h = Math.floor(m / 60);
    if (h < 48) return h + " t" + (m % 60 ? " " + (m % 60) + " min" : "");
    return Math.floor(h / 24) + " dage";
  };

  bb.MODES = {
    waiting_for_staff: "Venter på en medarbejder",
    staff: "Hos en medarbejder",
    bot: "Hos Borgerbot",
    closed: "Lukket"
  };

  /* intent name -> Danish title, filled from /api/intents at start */
  bb.INTENTS = {};
  bb.intentTitle = function (name) { return bb.INTENTS[name] || name || ""; };

  bb.REASONS = {
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
    idle_timeout: "Ingen aktivitet i et stykke tid",
    hazard: "Akut fare på vejen"
  };

  /* ---- status region and events -------------------------------------------------- */

  bb.say = function (text, kind) {
    var s = document.getElementById("shell-status");
    if (!s) return;
    s.textContent = text;
    s.className = "status " + (kind || "info");
  };

  var listeners = {};
  bb.on = function (type, fn) {
    (listeners[type] = listeners[type] || []).push(fn);
    return function () {
      listeners[type] = (listeners[type] || []).filter(function (f) { return f !== fn; });
    };
  };
  bb.emit = function (type, data) {
    (listeners[type] || []).slice().forEach(function (fn) { fn(data); });
  };

  /* ---- router ------------------------------------------------------------------- */

  bb.page = function (name, spec) {
    bb.pages[name] = spec;
    bb.order.push(name);
  };

  bb.go = function (name) {
    var hash = "#/" + Array.prototype.slice.call(arguments).map(encodeURIComponent).join("/");
    if (window.location.hash === hash) show(true);
    else window.location.hash = hash;
  };

  var leave = null;

  function parseHash() {
    var parts = window.location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
    parts = parts.map(function (p) {
      try { return decodeURIComponent(p); } catch (e) { return ""; }
    });
    return parts.length ? parts : [bb.order[0] || ""];
  }

  function allowed(spec) {
    return spec && (!spec.admin || (bb.user && bb.user.role === "admin"));
  }

  function buildNav() {
    var nav = document.getElementById("nav-list");
    if (!nav) return;
    nav.replaceChildren();
    bb.order.forEach(function (name) {
      var spec = bb.pages[name];
      if (!spec.nav || !allowed(spec)) return;
      var a = bb.el("a", { href: "#/" + name, "data-page": name }, spec.title);
      nav.appendChild(bb.el("li", null, a));
    });
  }

  function markNav(name) {
    document.querySelectorAll("#nav-list a").forEach(function (a) {
      if (a.getAttribute("data-page") === name) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
  }

  /* focus: move the keyboard focus to the new page (after a navigation, not
   * on the first load, so Tab still starts at the skip link). */
  function show(focus) {
    var parts = parseHash();
    var name = parts[0];
    var spec = bb.pages[name];
    var main = document.getElementById("main");
    if (leave) { try { leave(); } catch (e) { /* a page's clean-up must not stop the next */ } }
    leave = null;
    main.replaceChildren();
    bb.say("", "info");
    if (!allowed(spec)) {
      main.appendChild(bb.el("h1", null, "Siden findes ikke"));
      main.appendChild(bb.el("p", null, bb.el("a", { href: "#/" + bb.order[0] }, "Gå til indbakken")));
      document.title = "Siden findes ikke – Borgerbot";
      return;
    }
    document.title = (spec.title || "Borgerbot") + " – Borgerbot";
    markNav(name);
    var r = spec.render(main, parts.slice(1));
    if (typeof r === "function") leave = r;
    if (focus === true) main.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    bb.api("GET", "/api/me").then(function (res) {
      bb.user = res.ok ? res.data : null;
      /* the intents' Danish titles, once; without them the names are shown */
      return bb.user ? bb.api("GET", "/api/intents").then(function (r) {
        if (r.ok && r.data) r.data.intents.forEach(function (i) { bb.INTENTS[i.name] = i.title; });
      }, function () { /* shown by name */ }) : null;
    }).then(function () {
      buildNav();
      bb.emit("ready", bb.user);
      window.addEventListener("hashchange", function () { show(true); });
      show(false);
    }).catch(function () {
      bb.say(bb.failure(null), "error");
    });
  });
})();

/* ---- live updates (issue 10: inbox and conversation) ----------------------------- *
 * One EventSource on /api/live feeds the event bus: "live" with {type, data}
 * for every change (the pages reload what they show). When the server refuses
 * a stream (429: too many; 401: logged out) or it breaks, the console polls
 * instead ("live" with type "poll" every 20 s) and tries a stream again after
 * a minute. A new urgent or crisis chat raises a role=alert banner, a "(n)"
 * badge in the title and a short tone (Web Audio, no file), which staff can
 * turn off (remembered in localStorage). */
(function () {
  var bb = window.bb;
  var source = null, pollTimer = null, retryTimer = null;
  var urgentSeen = {}, badge = 0, audio = null;

  bb.live = { mode: "off" };

  function soundOn() {
    try { return window.localStorage.getItem("bb-sound") !== "off"; } catch (e) { return true; }
  }

  function beep() {
    if (!soundOn()) return;
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      audio = audio || new Ctx();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.4);
    } catch (e) { /* no sound is no reason to fail */ }
  }

  function applyBadge() {
    var t = document.title.replace(/^\(\d+\) /, "");
    document.title = badge > 0 ? "(" + badge + ") " + t : t;
  }

  function banner(id) {
    var box = document.getElementById("live-alert");
    if (!box) return;
    box.replaceChildren(
      bb.el("strong", null, "Haster: "),
      document.createTextNode("En borger venter på et hurtigt svar. "),
      bb.el("a", { href: "#/samtale/" + id, id: "live-alert-open" }, "Åbn samtale " + id));
    var close = bb.el("button", { type: "button", class: "secondary", id: "live-alert-close" }, "Luk besked");
    close.addEventListener("click", function () { clearAlert(); });
    box.appendChild(close);
    box.hidden = false;
  }

  function clearAlert() {
    var box = document.getElementById("live-alert");
    if (box) { box.hidden = true; box.replaceChildren(); }
    badge = 0;
    applyBadge();
  }
  bb.clearAlert = clearAlert;

  function onChange(type, data) {
    if (type === "conversation" && data && data.urgent && data.mode === "waiting_for_staff" &&
        !urgentSeen[data.conversation]) {
      urgentSeen[data.conversation] = true;
      badge++;
      applyBadge();
      banner(data.conversation);
      beep();
    }
    bb.emit("live", { type: type, data: data || {} });
  }

  function poll() {
    bb.live.mode = "poll";
    if (pollTimer) return;
    pollTimer = window.setInterval(function () { onChange("poll", null); }, 20000);
    if (!retryTimer) retryTimer = window.setTimeout(function () { retryTimer = null; stream(); }, 60000);
  }

  function stream() {
    if (!window.EventSource) { poll(); return; }
    if (source) source.close();
    source = new window.EventSource("/api/live");
    ["conversation", "message", "note"].forEach(function (type) {
      source.addEventListener(type, function (ev) {
        var data = null;
        try { data = JSON.parse(ev.data); } catch (e) { return; }
        onChange(type, data);
      });
    });
    source.addEventListener("hello", function () {
      bb.live.mode = "stream";
      if (pollTimer) { window.clearInterval(pollTimer); pollTimer = null; }
      document.body.setAttribute("data-live", "stream");
    });
    source.addEventListener("end", function () { source.close(); source = null; poll(); });
    source.addEventListener("error", function () {
      if (source && source.readyState === window.EventSource.CLOSED) {
        source = null;
        document.body.setAttribute("data-live", "poll");
        onChange("poll", null); /* a refused stream: catch up once, then poll */
        poll();
      }
    });
  }

  function soundToggle() {
    var b = bb.el("button", { type: "button", id: "sound-toggle", class: "secondary",
      "aria-pressed": soundOn() ? "true" : "false" }, soundOn() ? "Lyd: til" : "Lyd: fra");
    b.addEventListener("click", function () {
      var on = !soundOn();
      try { window.localStorage.setItem("bb-sound", on ? "on" : "off"); } catch (e) { /* ignore */ }
      b.textContent = on ? "Lyd: til" : "Lyd: fra";
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
    return b;
  }

  bb.on("ready", function (user) {
    if (!user || user.kind !== "staff") return;
    var top = document.querySelector("header.top");
    var logout = document.querySelector("form.logout");
    if (top && logout) top.insertBefore(soundToggle(), logout);
    var status = document.getElementById("shell-status");
    var box = bb.el("div", { id: "live-alert", class: "alert", role: "alert" });
    box.hidden = true;
    if (status && status.parentNode) status.parentNode.insertBefore(box, status.nextSibling);
    window.addEventListener("hashchange", function () { window.setTimeout(applyBadge, 0); });
    stream();
  });
})();
