/*
 * admin.js - the administrators' page (#/admin, #/admin/indstillinger,
 * #/admin/log): staff users (add, disable/enable, new password, role and
 * department), the settings: those admins change here (POST
 * /api/admin/settings, in force at once) and the rest read-only with where
 * each is changed, and the audit log viewer. Shown in the navigation
 * to admins only; /api/admin/* refuses everyone else (403).
 */
"use strict";

(function () {
  var bb = window.bb;

  function field(id, label, control) {
    control.id = id;
    return bb.el("div", { class: "field" }, bb.el("label", { for: id }, label), control);
  }

  function head(cols) {
    var tr = bb.el("tr");
    cols.forEach(function (c) { tr.appendChild(bb.el("th", { scope: "col" }, c)); });
    return bb.el("thead", null, tr);
  }

  function roleSelect(value) {
    var s = bb.el("select");
    [["staff", "Medarbejder"], ["admin", "Administrator"]].forEach(function (o) {
      var opt = bb.el("option", { value: o[0] }, o[1]);
      if (o[0] === value) opt.selected = true;
      s.appendChild(opt);
    });
    return s;
  }

  function tabs(current) {
    var nav = bb.el("nav", { class: "subnav", "aria-label": "Administration" });
    [["admin", "Brugere"], ["admin/indstillinger", "Indstillinger"], ["admin/log", "Revisionslog"]].forEach(function (t) {
      var a = bb.el("a", { href: "#/" + t[0] }, t[1]);
      if (t[0] === current) a.setAttribute("aria-current", "page");
      nav.appendChild(a);
    });
    return nav;
  }

  /* ---- users ------------------------------------------------------------------- */

  function userRow(u, reload) {
    var role = roleSelect(u.role);
    var dept = bb.el("input", { type: "text", value: u.department, "aria-label": "Afdeling for " + u.username });
    role.setAttribute("aria-label", "Rolle for " + u.username);
    var save = bb.el("button", { type: "button", class: "secondary" }, "Gem");
    var toggle = bb.el("button", { type: "button", class: "secondary" }, u.disabled ? "Genaktivér" : "Deaktivér");
    var pw = bb.el("button", { type: "button", class: "secondary" }, "Ny adgangskode");
    function post(body, done) {
      bb.api("POST", "/api/admin/users/" + encodeURIComponent(u.username), body).then(function (res) {
        if (!res.ok) { bb.say(bb.failure(res), "error"); return; }
        bb.say(done, "info");
        reload();
      });
    }
    save.addEventListener("click", function () {
      post({ role: role.value, department: dept.value.trim() }, "Ændringerne for " + u.username + " er gemt.");
    });
    toggle.addEventListener("click", function () {
      post({ disabled: !u.disabled }, u.username + (u.disabled ? " kan logge ind igen." : " er deaktiveret og logget ud."));
    });
    pw.addEventListener("click", function () {
      var input = bb.el("input", { type: "password", autocomplete: "new-password" });
      var ok = bb.el("button", { type: "submit" }, "Sæt adgangskode");
      var f = bb.el("form", { class: "inline" }, field("pw-" + u.username, "Ny adgangskode til " + u.username + " (mindst 12 tegn)", input), ok);
      f.addEventListener("submit", function (ev) {
        ev.preventDefault();
        if (Array.from(input.value).length < 12) { bb.say("Adgangskoden skal være mindst 12 tegn.", "error"); input.focus(); return; }
        post({ password: input.value }, "Ny adgangskode er sat for " + u.username + ". Brugeren er logget ud alle steder.");
      });
      pw.replaceWith(f);
      input.focus();
    });
    return bb.el("tr", { "data-user": u.username },
      bb.el("th", { scope: "row" }, u.username),
      bb.el("td", null, u.name),
      bb.el("td", null, dept),
      bb.el("td", null, role),
      bb.el("td", null, u.disabled ? "Deaktiveret" : "Aktiv"),
      bb.el("td", null, u.last_login_at ? bb.when(u.last_login_at) : "Aldrig"),
      bb.el("td", { class: "actions" }, save, toggle, pw));
  }

  function renderUsers(main) {
    main.appendChild(bb.el("h1", null, "Administration"));
    main.appendChild(tabs("admin"));
    main.appendChild(bb.el("h2", null, "Brugere"));
    var list = bb.el("div", { id: "user-list" });
    main.appendChild(list);
    function load() {
      bb.api("GET", "/api/admin/users").then(function (res) {
        list.replaceChildren();
        if (!res.ok) { bb.say(bb.failure(res), "error"); return; }
        var body = bb.el("tbody");
        res.data.users.forEach(function (u) { body.appendChild(userRow(u, load)); });
        list.appendChild(bb.el("div", { class: "table-wrap" }, bb.el("table", { class: "users" },
          bb.el("caption", null, res.data.users.length + " brugere"),
          head(["Brugernavn", "Navn", "Afdeling", "Rolle", "Status", "Seneste login", "Handlinger"]),
          body)));
      });
    }
    var un = bb.el("input", { type: "text", autocomplete: "off", required: true });
    var nm = bb.el("input", { type: "text", autocomplete: "off", required: true });
    var dp = bb.el("input", { type: "text", autocomplete: "off", required: true, value: bb.user ? bb.user.department : "" });
    var rl = roleSelect("staff");
    var pw = bb.el("input", { type: "password", autocomplete: "new-password", required: true });
    var form = bb.el("form", { id: "add-user", class: "panel" },
      bb.el("h2", null, "Tilføj bruger"),
      field("u-username", "Brugernavn (a-z, 0-9, . _ -)", un),
      field("u-name", "Navn (det borgerne ser)", nm),
      field("u-department", "Afdeling", dp),
      field("u-role", "Rolle", rl),
      field("u-password", "Første adgangskode (mindst 12 tegn)", pw),
      bb.el("button", { type: "submit" }, "Opret bruger"));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (Array.from(pw.value).length < 12) {
        bb.say("Brugeren blev ikke oprettet: adgangskoden skal være mindst 12 tegn.", "error");
        pw.focus();
        return;
      }
      bb.api("POST", "/api/admin/users", { username: un.value.trim().toLowerCase(), name: nm.value.trim(),
        department: dp.value.trim(), role: rl.value, password: pw.value }).then(function (res) {
        if (!res.ok) { bb.say("Brugeren blev ikke oprettet: " + bb.failure(res), "error"); return; }
        bb.say(res.data.username + " er oprettet og kan logge ind nu.", "info");
        form.reset();
        load();
      });
    });
    main.appendChild(form);
    load();
  }

  /* ---- settings ---------------------------------------------------------------- */

  var LABELS = {
    public_url: "Offentlig adresse (links til borgerne)",
    public_host: "Konsollens værtsnavne",
    not_understood_retries: "Gange Borgerbot spørger igen, før en medarbejder tager over",
    anger_hands_over: "En vred borger sendes videre til en medarbejder",
    staff_idle_return_minutes: "Minutter uden aktivitet, før en samtale går tilbage til Borgerbot",
    pass_thread_to_page_inbox: "Overdragelser sendes også til Facebooks indbakke",
    console_session_idle_minutes: "Minutter før et ubrugt login udløber",
    console_session_hours: "Timer et login højst varer",
    console_login_max_failures: "Forkerte adgangskoder før en midlertidig spærring",
    panel_enabled: "Borgerpanelet er åbent i Messenger",
    panel_invite_after_cases: "Inviter til panelet efter så mange indberetninger (0 = aldrig)",
    panel_invite_on_thanks: "Inviter til panelet, når en borger siger tak",
    winter_department: "Afdeling der registrerer saltninger"
  };

  function shown(v) {
    if (v === true) return "Ja";
    if (v === false) return "Nej";
    if (v === null || v === "") return "(ikke sat)";
    return String(v);
  }

  /* The control for one setting admins change here: Ja/Nej or a number. */
  function control(k, s) {
    var c;
    if (s.type === "boolean") {
      c = bb.el("select");
      [["true", "Ja"], ["false", "Nej"]].forEach(function (o) {
        var opt = bb.el("option", { value: o[0] }, o[1]);
        if (String(s.value) === o[0]) opt.selected = true;
        c.appendChild(opt);
      });
    } else {
      c = bb.el("input", { type: "number", inputmode: "numeric", min: String(s.min), max: String(s.max), step: "1", value: String(s.value) });
    }
    c.id = "setting-" + k;
    return c;
  }

  function valueOf(s, c) {
    if (s.type === "boolean") return c.value === "true";
    if (!/^-?[0-9]+$/.test(c.value.trim())) return undefined;
    return parseInt(c.value, 10);
  }

  function liveRow(k, s, reload) {
    var c = control(k, s);
    var save = bb.el("button", { type: "button" }, "Gem");
    save.setAttribute("aria-label", "Gem " + (LABELS[k] || k));
    var origin = s.where === "console"
      ? "Ændret af " + s.changed_by + " den " + bb.when(s.changed_at) + ". I filen: " + shown(s.file_value) + "."
      : "Som i borgerbot.conf.";
    var cell = bb.el("td", null, c, " ", save);
    if (s.where === "console") {
      var reset = bb.el("button", { type: "button", class: "secondary" }, "Brug filens værdi");
      reset.setAttribute("aria-label", "Brug filens værdi for " + (LABELS[k] || k));
      reset.addEventListener("click", function () { post(null); });
      cell.appendChild(document.createTextNode(" "));
      cell.appendChild(reset);
    }
    function post(value) {
      bb.api("POST", "/api/admin/settings", { key: k, value: value }).then(function (res) {
        if (!res.ok) { bb.say(bb.failure(res), "error"); return; }
        bb.say((LABELS[k] || k) + ": " + (value === null ? "filens værdi bruges igen." : "gemt. Det gælder fra nu af."), "info");
        reload();
      });
    }
    save.addEventListener("click", function () {
      var v = valueOf(s, c);
      if (v === undefined || (s.type !== "boolean" && (v < s.min || v > s.max))) {
        bb.say("Skriv et helt tal mellem " + s.min + " og " + s.max + ".", "error");
        c.focus();
        return;
      }
      post(v);
    });
    var th = bb.el("th", { scope: "row" }, bb.el("label", { for: c.id }, LABELS[k] || k), bb.el("br"), bb.el("code", null, k));
    return bb.el("tr", null, th, cell, bb.el("td", null, origin));
  }

  function renderSettings(main) {
    main.appendChild(bb.el("h1", null, "Indstillinger"));
    main.appendChild(tabs("admin/indstillinger"));
    var box = bb.el("div", { id: "settings" });
    main.appendChild(box);
    function load() {
      bb.api("GET", "/api/admin/settings").then(function (res) {
        if (!res.ok) { bb.say(bb.failure(res), "error"); return; }
        show(res.data);
      });
    }
    function show(data) {
      box.textContent = "";
      var live = bb.el("tbody"), fixed = bb.el("tbody");
      Object.keys(data.settings).forEach(function (k) {
        var s = data.settings[k];
        if (s.editable) { live.appendChild(liveRow(k, s, load)); return; }
        fixed.appendChild(bb.el("tr", null, bb.el("th", { scope: "row" }, LABELS[k] || k, bb.el("br"), bb.el("code", null, k)),
          bb.el("td", null, shown(s.value)), bb.el("td", null, s.where)));
      });
      box.appendChild(bb.el("h2", null, "Kan ændres her"));
      box.appendChild(bb.el("p", null, "En ændring gælder med det samme, også efter en genstart, og skrives i revisionsloggen. Nye logins får de nye login-tider; dem, der er logget ind, beholder deres."));
      box.appendChild(bb.el("div", { class: "table-wrap" }, bb.el("table", null, bb.el("caption", null, "Indstillinger der kan ændres her"),
        head(["Indstilling", "Værdi", "Hvorfra"]), live)));
      box.appendChild(bb.el("h2", null, "Ændres af it-afdelingen"));
      box.appendChild(bb.el("p", null, "Disse ændres i konfigurationsfilen eller i kommunens datafiler, og serveren genstartes eller genindlæser bagefter."));
      box.appendChild(bb.el("div", { class: "table-wrap" }, bb.el("table", null, bb.el("caption", null, "Indstillinger i filerne"),
        head(["Indstilling", "Værdi", "Ændres i"]), fixed)));
      box.appendChild(bb.el("h2", null, "Afdelinger, åbningstider og svartider"));
      box.appendChild(bb.el("p", { class: "muted" }, "Ændres i " + data.departments.where + "."));
      var dbody = bb.el("tbody");
      data.departments.value.forEach(function (d) {
        dbody.appendChild(bb.el("tr", null, bb.el("th", { scope: "row" }, d.name + (d.chat_default ? " (standard)" : "")),
          bb.el("td", null, d.hours || "Som standardafdelingen"),
          bb.el("td", null, d.first_response_minutes ? d.first_response_minutes + " min" : "Intet mål"),
          bb.el("td", null, d.resolution_hours ? d.resolution_hours + " t" : "Intet mål")));
      });
      box.appendChild(bb.el("div", { class: "table-wrap" }, bb.el("table", null, bb.el("caption", null, "Afdelinger"),
        head(["Afdeling", "Åbningstider", "Første svar inden", "Afsluttet inden"]), dbody)));
    }
    load();
  }

  /* ---- audit log --------------------------------------------------------------- */

  function renderLog(main) {
    main.appendChild(bb.el("h1", null, "Revisionslog"));
    main.appendChild(tabs("admin/log"));
    main.appendChild(bb.el("p", null, "Hvem har læst og gjort hvad. Loggen indeholder aldrig borgernes tekst eller adgangskoder."));
    var actor = bb.el("input", { type: "text", autocomplete: "off", placeholder: "staff:mette eller staff:*" });
    var action = bb.el("input", { type: "text", autocomplete: "off", placeholder: "case.status eller login.*" });
    var since = bb.el("input", { type: "date" });
    var form = bb.el("form", { class: "filters", id: "audit-filters" },
      field("a-actor", "Aktør", actor), field("a-action", "Handling", action), field("a-since", "Fra dato", since),
      bb.el("button", { type: "submit" }, "Vis"));
    var list = bb.el("div", { id: "audit-list", "aria-live": "polite" });
    main.appendChild(form);
    main.appendChild(list);
    function load() {
      var q = ["limit=200"];
      if (actor.value.trim()) q.push("actor=" + encodeURIComponent(actor.value.trim()));
      if (action.value.trim()) q.push("action=" + encodeURIComponent(action.value.trim()));
      if (since.value) q.push("since=" + encodeURIComponent(new Date(since.value + "T00:00").toISOString()));
      bb.api("GET", "/api/admin/audit?" + q.join("&")).then(function (res) {
        list.replaceChildren();
        if (!res.ok) { bb.say(bb.failure(res), "error"); return; }
        var body = bb.el("tbody");
        res.data.entries.forEach(function (e) {
          body.appendChild(bb.el("tr", null, bb.el("td", null, bb.when(e.at)), bb.el("td", null, e.actor),
            bb.el("td", null, e.action), bb.el("td", null, e.object || ""), bb.el("td", null, e.detail || "")));
        });
        list.appendChild(bb.el("div", { class: "table-wrap" }, bb.el("table", null, bb.el("caption", null, res.data.count + " rækker"),
          head(["Tid", "Aktør", "Handling", "Objekt", "Detaljer"]), body)));
      });
    }
    form.addEventListener("submit", function (ev) { ev.preventDefault(); load(); });
    load();
  }

  bb.page("admin", {
    title: "Administration",
    nav: true,
    admin: true,
    render: function (main, args) {
      if (args[0] === "indstillinger") renderSettings(main);
      else if (args[0] === "log") renderLog(main);
      else renderUsers(main);
    }
  });
})();
