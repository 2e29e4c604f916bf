/*
 * cases.js - the cases page (#/sager, #/sager/REF): list and filter the
 * municipality's cases (status, category, department, street; paged), a
 * case's detail with its history, set a status with a note (the citizens
 * are told, and the page says how many and with what text), and
 * "Tilføj saltning" (a gritting run for a route or a class).
 *
 * Every staff user reads every case; the department filter starts at the
 * user's own. The server decides who may change what (docs/console.md):
 * a refusal is shown as the server's sentence. Citizen text (descriptions,
 * notes) is only ever set as text through bb.el.
 */
"use strict";

(function () {
  var bb = window.bb;
  var PAGE = 25;
  var STATUS = { open: "Åben", in_progress: "I gang", resolved: "Løst", rejected: "Afvist" };

  function field(id, label, control) {
    control.id = id;
    return bb.el("div", { class: "field" }, bb.el("label", { for: id }, label), control);
  }

  function select(options, value) {
    var s = bb.el("select");
    options.forEach(function (o) {
      var opt = bb.el("option", { value: o[0] }, o[1]);
      if (o[0] === value) opt.selected = true;
      s.appendChild(opt);
    });
    return s;
  }

  function statusOptions(withAll) {
    var o = withAll ? [["", "Alle"], ["open,in_progress", "Åbne og i gang"]] : [];
    Object.keys(STATUS).forEach(function (k) { o.push([k, STATUS[k]]); });
    return o;
  }

  /* ---- the list ---------------------------------------------------------------- */

  var filter = null; /* kept while the console is open */

  function renderList(main) {
    if (!filter) {
      filter = { status: "open,in_progress", category: "", street: "", offset: 0,
                 department: bb.user && bb.user.department ? bb.user.department : "" };
    }
    main.appendChild(bb.el("h1", null, "Sager"));
    var status = select(statusOptions(true), filter.status);
    var dept = bb.el("input", { type: "text", value: filter.department, autocomplete: "off" });
    var cat = bb.el("input", { type: "text", value: filter.category, autocomplete: "off" });
    var street = bb.el("input", { type: "text", value: filter.street, autocomplete: "off" });
    var form = bb.el("form", { class: "filters", id: "case-filters", "aria-label": "Filtrér sager" },
      field("f-status", "Status", status),
      field("f-department", "Afdeling", dept),
      field("f-category", "Kategori (kode)", cat),
      field("f-street", "Vej", street),
      bb.el("button", { type: "submit" }, "Vis sager"));
    var list = bb.el("div", { id: "case-list", "aria-live": "polite" });
    var pager = bb.el("nav", { class: "pager", "aria-label": "Sider" });
    main.appendChild(form);
    main.appendChild(list);
    main.appendChild(pager);
    main.appendChild(gritting());

    function load() {
      var q = ["limit=" + (PAGE + 1), "offset=" + filter.offset];
      ["status", "department", "category", "street"].forEach(function (k) {
        if (filter[k]) q.push(k + "=" + encodeURIComponent(filter[k]));
      });
      bb.api("GET", "/api/cases?" + q.join("&")).then(function (res) {
        list.replaceChildren();
        pager.replaceChildren();
        if (!res.ok) { bb.say(bb.failure(res), "error"); return; }
        var cases = res.data.cases.slice(0, PAGE);
        if (!cases.length) {
          list.appendChild(bb.el("p", { class: "empty" }, "Ingen sager passer til filtret."));
          return;
        }
        var table = bb.el("table", { class: "cases" },
          bb.el("caption", null, "Sager " + (filter.offset + 1) + "–" + (filter.offset + cases.length)),
          bb.el("thead", null, bb.el("tr", null,
            bb.el("th", { scope: "col" }, "Sag"), bb.el("th", { scope: "col" }, "Status"),
            bb.el("th", { scope: "col" }, "Kategori"), bb.el("th", { scope: "col" }, "Sted"),
            bb.el("th", { scope: "col" }, "Afdeling"), bb.el("th", { scope: "col" }, "Oprettet"))));
        var body = bb.el("tbody");
        cases.forEach(function (c) {
          body.appendChild(bb.el("tr", null,
            bb.el("td", null, bb.el("a", { href: "#/sager/" + encodeURIComponent(c.reference) }, c.reference)),
            bb.el("td", null, STATUS[c.status] || c.status),
            bb.el("td", null, c.category),
            bb.el("td", null, [c.street, c.house_number].filter(Boolean).join(" ")),
            bb.el("td", null, c.department),
            bb.el("td", null, bb.when(c.created_at))));
        });
        table.appendChild(body);
        list.appendChild(bb.el("div", { class: "table-wrap" }, table));
        if (filter.offset > 0) {
          var prev = bb.el("button", { type: "button", class: "secondary" }, "Forrige side");
          prev.addEventListener("click", function () { filter.offset = Math.max(0, filter.offset - PAGE); load(); });
          pager.appendChild(prev);
        }
        if (res.data.cases.length > PAGE) {
          var next = bb.el("button", { type: "button", class: "secondary" }, "Næste side");
          next.addEventListener("click", function () { filter.offset += PAGE; load(); });
          pager.appendChild(next);
        }
      });
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      filter = { status: status.value, department: dept.value.trim(), category: cat.value.trim(),
                 street: street.value.trim(), offset: 0 };
      load();
    });
    load();
  }

  /* ---- one case ---------------------------------------------------------------- */

  function renderCase(main, ref) {
    main.appendChild(bb.el("p", null, bb.el("a", { href: "#/sager" }, "← Alle sager")));
    var box = bb.el("div", { id: "case-detail" });
    var told = null; /* the notice text of the last change, shown under the form */
    main.appendChild(box);
    function load() {
      bb.api("GET", "/api/cases/" + encodeURIComponent(ref)).then(function (res) {
        box.replaceChildren();
        if (!res.ok) {
          box.appendChild(bb.el("h1", null, "Sagen kunne ikke vises"));
          bb.say(bb.failure(res), "error");
          return;
        }
        show(res.data);
      });
    }
    function show(c) {
      box.appendChild(bb.el("h1", null, "Sag " + c.reference));
      var dl = bb.el("dl", { class: "facts" });
      [["Status", STATUS[c.status] || c.status], ["Kategori", c.category], ["Afdeling", c.department],
       ["Sted", [c.street, c.house_number].filter(Boolean).join(" ")], ["Mastenummer", c.pole_number],
       ["Beskrivelse", c.description], ["Følgere", String(c.followers)],
       ["Oprettet", bb.when(c.created_at)], ["Seneste note", c.status_note]].forEach(function (r) {
        if (!r[1]) return;
        dl.appendChild(bb.el("dt", null, r[0]));
        dl.appendChild(bb.el("dd", null, r[1]));
      });
      box.appendChild(dl);
      box.appendChild(bb.el("h2", null, "Historik"));
      var hist = bb.el("ol", { class: "history" });
      (c.history || []).forEach(function (h) {
        hist.appendChild(bb.el("li", null,
          bb.when(h.at) + ": " + (STATUS[h.from] || h.from) + " → " + (STATUS[h.to] || h.to) +
          (h.actor ? " (" + h.actor + ")" : ""), h.note ? bb.el("span", { class: "note" }, " – " + h.note) : null));
      });
      if (!hist.children.length) hist.appendChild(bb.el("li", null, "Ingen ændringer endnu."));
      box.appendChild(hist);

      var st = select(statusOptions(false), c.status);
      var note = bb.el("textarea", { rows: "3", maxlength: "1000" });
      var result = bb.el("div", { id: "status-result", "aria-live": "polite" });
      var form = bb.el("form", { id: "status-form", class: "panel" },
        bb.el("h2", null, "Skift status"),
        field("s-status", "Ny status", st),
        field("s-note", "Note (borgerne ser den ikke; beskeden til dem står i svaret)", note),
        bb.el("button", { type: "submit" }, "Gem status"), result);
      box.appendChild(form);
      if (told) result.appendChild(bb.el("p", { class: "notice-text" }, "Besked til borgerne: ", bb.el("q", null, told)));
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var body = { status: st.value };
        if (note.value.trim()) body.note = note.value.trim();
        bb.api("POST", "/api/cases/" + encodeURIComponent(c.reference) + "/status", body).then(function (res) {
          if (!res.ok) { bb.say(bb.failure(res), "error"); return; }
          var n = res.data.notices || {};
          var said = "Status er nu " + (STATUS[res.data.status] || res.data.status) + ". " +
            (n.queued ? n.queued + " borger(e) får besked (" + n.sent_now + " med det samme)." : "Ingen borgere skal have besked.");
          told = n.text || null;
          load();
          bb.say(said, "info");
        });
      });
    }
    load();
  }

  /* ---- gritting ---------------------------------------------------------------- */

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localValue(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function gritting() {
    var sec = bb.el("section", { class: "panel", "aria-labelledby": "grit-h" }, bb.el("h2", { id: "grit-h" }, "Tilføj saltning"));
    bb.api("GET", "/api/gritting/plan").then(function (res) {
      if (!res.ok) { sec.appendChild(bb.el("p", null, bb.failure(res))); return; }
      var plan = res.data;
      if (!plan.may_record) {
        sec.appendChild(bb.el("p", { class: "muted" }, "Saltninger registreres af " +
          (plan.department || "vintertjenesten") + " eller en administrator."));
        return;
      }
      var opts = [["", "Vælg rute eller klasse"]];
      plan.routes.forEach(function (r) { opts.push(["route:" + r.route, "Rute " + r.route + " (" + r.area + ")"]); });
      plan.classes.forEach(function (c) { opts.push(["class:" + c["class"], "Alle veje i klasse " + c["class"] + " (" + c.name + ")"]); });
      var what = select(opts, "");
      var now = new Date();
      var start = bb.el("input", { type: "datetime-local", required: true, value: localValue(new Date(now.getTime() - 3600000)) });
      var end = bb.el("input", { type: "datetime-local", required: true, value: localValue(now) });
      var form = bb.el("form", { id: "gritting-form" },
        field("g-what", "Rute eller klasse", what),
        field("g-start", "Start (dato og klokkeslæt)", start),
        field("g-end", "Slut (dato og klokkeslæt)", end),
        bb.el("button", { type: "submit" }, "Registrér saltning"));
      sec.appendChild(form);
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var s = new Date(start.value), e = new Date(end.value);
        if (!what.value) { bb.say("Vælg en rute eller en klasse.", "error"); what.focus(); return; }
        if (isNaN(s.getTime()) || isNaN(e.getTime())) { bb.say("Udfyld start og slut med dato og klokkeslæt.", "error"); return; }
        if (e < s) { bb.say("Slut skal være efter start.", "error"); end.focus(); return; }
        if (e > new Date()) { bb.say("Slut kan ikke ligge i fremtiden.", "error"); end.focus(); return; }
        var body = { started_at: s.toISOString(), ended_at: e.toISOString() };
        var v = what.value;
        if (v.indexOf("route:") === 0) body.route = v.slice(6); else body["class"] = v.slice(6);
        bb.api("POST", "/api/gritting/runs", body).then(function (res) {
          if (!res.ok) { bb.say("Saltningen blev ikke gemt: " + bb.failure(res), "error"); return; }
          bb.say("Saltningen er registreret (" + bb.when(res.data.started_at) + "–" + bb.when(res.data.ended_at) +
            "). Borgerbot svarer nu med den.", "info");
        });
      });
    });
    return sec;
  }

  bb.page("sager", {
    title: "Sager",
    nav: true,
    render: function (main, args) {
      if (args[0]) renderCase(main, args[0]);
      else renderList(main);
    }
  });
})();
