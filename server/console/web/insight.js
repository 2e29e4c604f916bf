/*
 * insight.js - "Overblik" (#/overblik): the proof-of-effect figures and
 * plots for a period (GET /api/report, the SVG plots as images from
 * /api/report/*.svg, CSV and HTML downloads), and the queue of messages the
 * bot did not understand, where staff label each with the right topic and
 * an anonymised example (POST /api/misunderstood/ID/label) that the
 * communications officer exports for the intent patterns.
 * Citizen words only ever go through textContent (bb.el).
 */
"use strict";

(function () {
  var bb = window.bb;

  var OUTCOMES = {
    answered: "Besvaret automatisk", case_filed: "Sag oprettet",
    clarified: "Opklarende spørgsmål", handed_over: "Givet til medarbejder",
    crisis: "Krise", with_staff: "Hos medarbejder", refused: "Ikke tilladt at svare",
    no_reply: "Intet svar sendt"
  };

  /* The day in Copenhagen, as the report counts days (the browser's own
   * time zone may be another: between 23 and 24 UTC in winter the default
   * period would otherwise end yesterday and miss today's messages). */
  function isoDay(d) {
    try {
      return new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Copenhagen", year: "numeric",
        month: "2-digit", day: "2-digit" }).format(d);
    } catch (e) {
      var m = d.getMonth() + 1, day = d.getDate();
      return d.getFullYear() + "-" + (m < 10 ? "0" : "") + m + "-" + (day < 10 ? "0" : "") + day;
    }
  }

  function pct(part, whole) {
    return whole ? (100 * part / whole).toFixed(1).replace(".", ",") + " %" : "–";
  }

  function table(caption, rows) {
    var body = bb.el("tbody");
    rows.forEach(function (r) {
      body.appendChild(bb.el("tr", null, bb.el("th", { scope: "row" }, r[0]),
        bb.el("td", null, String(r[1])), bb.el("td", null, r[2] || "")));
    });
    return bb.el("table", { class: "figures" }, bb.el("caption", null, caption),
      bb.el("thead", null, bb.el("tr", null, bb.el("th", { scope: "col" }, "Mål"),
        bb.el("th", { scope: "col" }, "Antal"), bb.el("th", { scope: "col" }, "Andel"))), body);
  }

  function figures(box, rep) {
    box.replaceChildren();
    var rows = [
      ["Samtaler", rep.conversations],
      ["Klaret uden en medarbejder", rep.automated_conversations, pct(rep.automated_conversations, rep.conversations)],
      ["Beskeder fra borgere", rep.messages]
    ];
    Object.keys(OUTCOMES).forEach(function (k) {
      rows.push([OUTCOMES[k], rep.outcomes[k] || 0, pct(rep.outcomes[k] || 0, rep.messages)]);
    });
    rows.push(["Uden for åbningstid", rep.after_hours, pct(rep.after_hours, rep.messages)]);
    rows.push(["Ikke forstået", rep.not_understood, pct(rep.not_understood, rep.messages)]);
    box.appendChild(table("Samtaler og beskeder " + rep.from + " til " + rep.to, rows));
    var fr = rep.first_response;
    box.appendChild(table("Medarbejdernes svar", [
      ["Første svar, median", fr.count ? bb.duration(fr.median_seconds) : "–"],
      ["Første svar, 90 % inden for", fr.count ? bb.duration(fr.p90_seconds) : "–"],
      ["Første svar inden for målet", fr.within_target, pct(fr.within_target, fr.count)],
      ["Venter stadig på første svar", rep.waiting_for_first_response],
      ["Sager oprettet", rep.cases_filed],
      ["Borgere der fulgte en åben sag", rep.cases_joined]
    ]));
    var handed = 0, reasons = [];
    Object.keys(rep.handovers).forEach(function (k) { handed += rep.handovers[k]; });
    Object.keys(rep.handovers).forEach(function (k) {
      reasons.push([bb.REASONS[k] || k, rep.handovers[k], pct(rep.handovers[k], handed)]);
    });
    if (!reasons.length) reasons.push(["Ingen i perioden", 0]);
    box.appendChild(table("Givet til en medarbejder, efter årsag", reasons));
    var rs = rep.resolution;
    box.appendChild(table("Tilbage til Borgerbot eller lukket", [
      ["Median", rs.count ? bb.duration(rs.median_seconds) : "–"],
      ["90 % inden for", rs.count ? bb.duration(rs.p90_seconds) : "–"],
      ["Inden for målet", rs.within_target, pct(rs.within_target, rs.count)]
    ]));
    var cats = rep.case_categories.map(function (c) {
      return [c.category + ": løst af oprettet" + (c.resolved ? ", median " + bb.duration(c.median_resolve_seconds) : ""),
        c.resolved + " af " + c.filed, pct(c.resolved, c.filed)];
    });
    if (cats.length) box.appendChild(table("Sager pr. kategori", cats));
    var topics = Object.keys(rep.top_intents).map(function (k) {
      return [bb.intentTitle(k), rep.top_intents[k], pct(rep.top_intents[k], rep.messages)];
    });
    if (topics.length) box.appendChild(table("Hyppigste emner", topics));
    if (rep.panel) {
      var rows = [["Meldt ind i borgerpanelet", rep.panel.joined], ["Meldt ud", rep.panel.left]];
      rep.panel.consultations.forEach(function (c) {
        rows.push(["Undersøgelse " + c.consultation + ": svarede af " + c.offered, c.answered, pct(c.answered, c.offered)]);
      });
      box.appendChild(table("Borgerpanelet", rows));
    }
  }

  function plots(box, query) {
    box.replaceChildren();
    [["daily", "Beskeder pr. dag efter udfald"],
     ["heatmap", "Beskeder pr. time i ugen"],
     ["response", "Tid til første svar fra en medarbejder"]].forEach(function (p) {
      box.appendChild(bb.el("figure", null,
        bb.el("img", { src: "/api/report/" + p[0] + ".svg" + query, alt: p[1], class: "plot" }),
        bb.el("figcaption", null, p[1])));
    });
  }

  function labelForm(item, intents, done) {
    var id = "ex-" + item.event_id, sel = "in-" + item.event_id;
    var select = bb.el("select", { id: sel });
    select.appendChild(bb.el("option", { value: "" }, "Vælg det rigtige emne"));
    intents.forEach(function (n) { select.appendChild(bb.el("option", { value: n }, bb.intentTitle(n))); });
    var area = bb.el("textarea", { id: id, rows: "2", maxlength: "2000" });
    area.value = item.suggestion;
    var button = bb.el("button", { type: "submit" }, "Gem emne");
    var form = bb.el("form", { class: "label-form" },
      bb.el("label", { for: sel }, "Emne"), select,
      bb.el("label", { for: id }, "Eksempel (fjern navne og andet personligt)"), area, button);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!select.value) { bb.say("Vælg et emne først.", "error"); select.focus(); return; }
      bb.api("POST", "/api/misunderstood/" + item.event_id + "/label",
        { intent: select.value, example: area.value }).then(function (res) {
        if (!res.ok) { bb.say(bb.failure(res), "error"); return; }
        bb.say("Gemt som “" + bb.intentTitle(select.value) + "”.", "info");
        done();
      }).catch(function () { bb.say(bb.failure(null), "error"); });
    });
    return form;
  }

  function queue(box) {
    box.setAttribute("aria-busy", "true");
    bb.api("GET", "/api/misunderstood?limit=50").then(function (res) {
      box.replaceChildren();
      if (!res.ok || !res.data) { box.appendChild(bb.el("p", { class: "empty" }, bb.failure(res))); return; }
      if (!res.data.items.length) {
        box.appendChild(bb.el("p", { class: "empty" }, "Ingen beskeder venter. Godt arbejde!"));
        return;
      }
      var list = bb.el("ul", { class: "conversations", id: "misunderstood-list" });
      res.data.items.forEach(function (it) {
        var li = bb.el("li", null, bb.el("p", { class: "text" }, it.text || ""),
          bb.el("p", { class: "meta" }, bb.when(it.at) + " · samtale " + it.conversation_id));
        li.appendChild(labelForm(it, res.data.intents, function () { queue(box); }));
        list.appendChild(li);
      });
      box.appendChild(list);
    }).catch(function () {
      box.replaceChildren(bb.el("p", { class: "empty" }, bb.failure(null)));
    }).then(function () { box.setAttribute("aria-busy", "false"); });
  }

  function render(main) {
    var to = new Date(), from = new Date(to.getTime() - 29 * 86400000);
    var fromIn = bb.el("input", { type: "date", id: "report-from", value: isoDay(from), required: true });
    var toIn = bb.el("input", { type: "date", id: "report-to", value: isoDay(to), required: true });
    var form = bb.el("form", { class: "report-range" },
      bb.el("label", { for: "report-from" }, "Fra"), fromIn,
      bb.el("label", { for: "report-to" }, "Til og med"), toIn,
      bb.el("button", { type: "submit" }, "Vis"));
    var figs = bb.el("div", { id: "report-figures", "aria-live": "polite" });
    var pics = bb.el("div", { id: "report-plots" });
    var downloads = bb.el("p", { class: "downloads" });
    var q = bb.el("section", { id: "misunderstood", "aria-labelledby": "mis-title" });
    main.appendChild(bb.el("h1", null, "Overblik"));
    main.appendChild(form);
    main.appendChild(figs);
    main.appendChild(downloads);
    main.appendChild(pics);
    main.appendChild(bb.el("h2", { id: "mis-title" }, "Beskeder Borgerbot ikke forstod"));
    main.appendChild(bb.el("p", null, "Vælg det emne, borgeren skrev om. Eksemplet bruges til at lære Borgerbot at forstå lignende beskeder; tal, telefonnumre og e-mails fjernes automatisk, men navne skal du selv fjerne."));
    main.appendChild(q);
    main.appendChild(bb.el("p", null, bb.el("a", { href: "/api/misunderstood/export" }, "Hent de mærkede eksempler")));

    function load() {
      var query = "?from=" + encodeURIComponent(fromIn.value) + "&to=" + encodeURIComponent(toIn.value);
      figs.setAttribute("aria-busy", "true");
      bb.api("GET", "/api/report" + query).then(function (res) {
        if (!res.ok || !res.data) { figs.replaceChildren(bb.el("p", { class: "status error" }, bb.failure(res))); return; }
        figures(figs, res.data);
        plots(pics, query);
        downloads.replaceChildren(
          bb.el("a", { href: "/api/report" + query + "&format=csv" }, "Hent som CSV"), " · ",
          bb.el("a", { href: "/api/report" + query + "&format=html" }, "Hent rapport (HTML)"));
      }).catch(function () { bb.say(bb.failure(null), "error"); })
        .then(function () { figs.setAttribute("aria-busy", "false"); });
    }
    form.addEventListener("submit", function (ev) { ev.preventDefault(); load(); });
    load();
    queue(q);
  }

  bb.page("overblik", { title: "Overblik", nav: true, render: render });
})();
