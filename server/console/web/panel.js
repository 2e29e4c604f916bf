/*
 * panel.js - "Borgerpanel" (#/borgerpanel and #/borgerpanel/ID): the
 * citizen panel's consultations for staff, also while they are open: the
 * status, dates, how many members in the target group have answered (the
 * response rate), and per question the counts of each option and the free
 * texts (with an anonymous respondent number, never a name or PSID). Reads
 * GET /api/panel/consultations[/ID]; consultations are written as files and
 * loaded with `borgerbot panel load` (docs/panel.md). Free texts are the
 * members' own words: set with textContent only (bb.el).
 */
"use strict";

(function () {
  var bb = window.bb;
  var STATUS = { open: "Åben", closed: "Lukket", published: "Offentliggjort" };

  function pct(part, whole) {
    return whole ? (100 * part / whole).toFixed(1).replace(".", ",") + " %" : "–";
  }

  /* "1.11.2026 – 28.2.2027": the first and the last day (it closes at the end of that day) */
  function period(c) {
    return bb.day(c.opens_ms) + " – " + bb.day(c.closes_ms - 1);
  }

  function list(main) {
    main.appendChild(bb.el("h1", null, "Borgerpanel"));
    var box = bb.el("div", { id: "panel-list", "aria-busy": "true" });
    main.appendChild(box);
    bb.api("GET", "/api/panel/consultations").then(function (res) {
      if (!res.ok || !res.data) { box.appendChild(bb.el("p", { class: "empty" }, bb.failure(res))); return; }
      var items = res.data.consultations || [];
      if (!items.length) {
        box.appendChild(bb.el("p", { class: "empty" }, "Der er ingen undersøgelser endnu. De indlæses med borgerbot panel load (se vejledningen)."));
        return;
      }
      var body = bb.el("tbody");
      items.forEach(function (c) {
        body.appendChild(bb.el("tr", null,
          bb.el("th", { scope: "row" }, bb.el("a", { href: "#/borgerpanel/" + encodeURIComponent(c.id) }, c.title)),
          bb.el("td", null, STATUS[c.status] || c.status),
          bb.el("td", null, period(c)),
          bb.el("td", null, String(c.completed)),
          bb.el("td", null, String(c.answered))));
      });
      box.appendChild(bb.el("table", { class: "figures" },
        bb.el("caption", null, "Undersøgelser"),
        bb.el("thead", null, bb.el("tr", null, bb.el("th", { scope: "col" }, "Titel"),
          bb.el("th", { scope: "col" }, "Status"), bb.el("th", { scope: "col" }, "Periode"),
          bb.el("th", { scope: "col" }, "Svar færdige"), bb.el("th", { scope: "col" }, "Svar i gang eller færdige"))),
        body));
    }).catch(function () { box.appendChild(bb.el("p", { class: "empty" }, bb.failure(null))); })
      .then(function () { box.setAttribute("aria-busy", "false"); });
  }

  function question(q, i) {
    var sec = bb.el("section", { class: "panel-question", "aria-labelledby": "q" + i },
      bb.el("h3", { id: "q" + i }, (i + 1) + ". " + q.text),
      bb.el("p", { class: "meta" }, q.answered + " har svaret"));
    if (q.options && q.options.length) {
      var body = bb.el("tbody");
      q.options.forEach(function (o) {
        body.appendChild(bb.el("tr", null, bb.el("th", { scope: "row" }, o.label),
          bb.el("td", null, String(o.count)), bb.el("td", null, pct(o.count, q.answered))));
      });
      sec.appendChild(bb.el("table", { class: "figures" },
        bb.el("thead", null, bb.el("tr", null, bb.el("th", { scope: "col" }, "Svar"),
          bb.el("th", { scope: "col" }, "Antal"), bb.el("th", { scope: "col" }, "Andel"))), body));
    }
    if (q.texts && q.texts.length) {
      var ul = bb.el("ul", { class: "conversations" });
      q.texts.forEach(function (t) {
        ul.appendChild(bb.el("li", null, bb.el("p", { class: "meta" }, "Deltager " + t.respondent),
          bb.el("p", { class: "text" }, t.text)));
      });
      sec.appendChild(ul);
    }
    return sec;
  }

  function one(main, id) {
    main.appendChild(bb.el("p", null, bb.el("a", { href: "#/borgerpanel" }, "Alle undersøgelser")));
    var box = bb.el("div", { id: "panel-detail", "aria-busy": "true" });
    main.appendChild(box);
    bb.api("GET", "/api/panel/consultations/" + encodeURIComponent(id)).then(function (res) {
      if (!res.ok || !res.data) {
        box.appendChild(bb.el("h1", null, "Undersøgelsen findes ikke"));
        box.appendChild(bb.el("p", { class: "empty" }, bb.failure(res)));
        return;
      }
      var c = res.data;
      box.appendChild(bb.el("h1", null, c.title));
      box.appendChild(bb.el("p", { id: "panel-rate" },
        (STATUS[c.status] || c.status) + " · " + period(c) +
        " · " + c.completed + " af " + c.members + " medlemmer i målgruppen har svaret (" +
        pct(c.completed, c.members) + ")"));
      if (c.status === "open")
        box.appendChild(bb.el("p", { class: "muted" }, "Resultaterne er ikke offentlige, før undersøgelsen er lukket og offentliggjort."));
      (c.questions || []).forEach(function (q, i) { box.appendChild(question(q, i)); });
    }).catch(function () { box.appendChild(bb.el("p", { class: "empty" }, bb.failure(null))); })
      .then(function () { box.setAttribute("aria-busy", "false"); });
  }

  bb.page("borgerpanel", {
    title: "Borgerpanel",
    nav: true,
    render: function (main, args) {
      if (args[0]) one(main, args[0]);
      else list(main);
    }
  });
})();
