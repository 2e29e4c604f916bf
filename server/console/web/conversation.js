/*
 * conversation.js - one conversation (#/samtale/ID), from GET
 * /api/conversations/ID: the whole transcript (citizen, Borgerbot, staff
 * with their author and the outbox status, replies from Facebook's Page
 * Inbox), what the bot recognised and why it handed over, what Meta's rules
 * allow now (the 24-hour window, then HUMAN_AGENT for 7 days, then nothing),
 * the citizen's cases, internal notes and the record of transitions; the
 * actions take / hand back / close / transfer, and the reply box with the
 * canned replies, whose placeholders ({sag}, {navn}, {afdeling}) are filled
 * into the textarea so staff see and can edit the text before sending.
 * Live events for this conversation reload everything but the reply box.
 */
"use strict";

(function () {
  var bb = window.bb;

  var FROM = {
    citizen: "Borgeren",
    bot: "Borgerbot",
    staff: "Medarbejder",
    page_inbox: "Facebooks indbakke",
    page: "Siden"
  };
  var STATUS = {
    pending: "venter på at blive sendt",
    sending: "sendes",
    sent: "sendt",
    failed: "kunne ikke sendes",
    dead: "kunne ikke sendes",
    refused: "afvist af Metas regler"
  };

  function message(m) {
    var li = bb.el("li", { class: "from-" + (m.from || "page") });
    var who = FROM[m.from] || m.from || "";
    if (m.from === "staff" && m.author) who += " (" + m.author + ")";
    li.appendChild(bb.el("p", { class: "who" }, who));
    var text = m.text;
    if (text === null || text === undefined || text === "") {
      text = m.payload ? "[Knap: " + m.payload + "]" :
        m.attachments && m.attachments.length ? "[" + m.attachments.length + " vedhæftet fil(er)]" : "[uden tekst]";
    }
    li.appendChild(document.createTextNode(text));
    var meta = [bb.when(m.at)];
    if (m.status) meta.push(STATUS[m.status] || m.status);
    li.appendChild(bb.el("p", { class: "meta" }, meta.filter(Boolean).join(" · ")));
    return li;
  }

  /* What may be sent now, in words; sets form state through canSend. */
  function windowPanel(c) {
    var w = c.window || {};
    var box = bb.el("section", { class: "panel", id: "window", "aria-labelledby": "window-title" },
      bb.el("h2", { id: "window-title" }, "Hvornår kan der svares?"));
    var staff = w.staff_can_send;
    if (!staff) {
      box.className += " window-closed";
      box.appendChild(bb.el("p", { id: "window-state", "data-state": "closed" },
        "Der kan ikke sendes svar til borgeren nu: Metas regler tillader kun svar inden for 7 dage efter borgerens sidste besked." +
        (w.staff_refusal ? " (" + w.staff_refusal + ")" : "") +
        " Borgeren skal skrive igen, før I kan svare."));
    } else if (staff.tag === "HUMAN_AGENT") {
      box.appendChild(bb.el("p", { id: "window-state", "data-state": "human_agent" },
        "Døgnet efter borgerens sidste besked er gået. Der kan kun svares som medarbejder (HUMAN_AGENT) indtil " +
        bb.when(w.human_agent_until) + "."));
    } else {
      box.appendChild(bb.el("p", { id: "window-state", "data-state": "open" },
        "Der kan svares frit indtil " + bb.when(w.window_closes_at) +
        ". Derefter kun som medarbejder indtil " + bb.when(w.human_agent_until) + "."));
    }
    return box;
  }

  function header(c) {
    var dl = bb.el("dl", { class: "facts" });
    function row(k, v) { if (v) { dl.appendChild(bb.el("dt", null, k)); dl.appendChild(bb.el("dd", null, v)); } }
    row("Status", bb.MODES[c.mode] || c.mode);
    row("Afdeling", c.department || "");
    row("Hos", c.assignee_name || c.assignee || "Ingen");
    row("Hvorfor videre", bb.REASONS[c.reason] || c.reason || "");
    row("Borgerbot forstod", c.intent ? bb.intentTitle(c.intent) : "");
    row("Haster", c.urgent ? "Ja – svar hurtigst muligt" : "");
    if (c.handed_over_at) row("Givet videre", bb.when(c.handed_over_at));
    return dl;
  }

  function casesPanel(c) {
    var box = bb.el("section", { class: "panel", "aria-labelledby": "cases-title" },
      bb.el("h2", { id: "cases-title" }, "Borgerens sager"));
    var cases = c.cases || [];
    if (!cases.length) { box.appendChild(bb.el("p", { class: "muted" }, "Borgeren har ingen sager.")); return box; }
    var ul = bb.el("ul", { id: "case-list" });
    cases.forEach(function (k) {
      ul.appendChild(bb.el("li", null, bb.el("a", { href: "#/sager/" + encodeURIComponent(k.reference) }, k.reference),
        " · " + [k.category, k.status, k.street].filter(Boolean).join(" · ")));
    });
    box.appendChild(ul);
    return box;
  }

  function notesPanel(c, reload) {
    var box = bb.el("section", { class: "panel", "aria-labelledby": "notes-title" },
      bb.el("h2", { id: "notes-title" }, "Interne noter"),
      bb.el("p", { class: "muted" }, "Noter ses kun af kolleger – aldrig af borgeren."));
    var ul = bb.el("ul", { class: "notes", id: "note-list" });
    (c.notes || []).forEach(function (n) {
      ul.appendChild(bb.el("li", null, n.text, bb.el("p", { class: "meta" }, (n.author || "") + " · " + bb.when(n.at))));
    });
    box.appendChild(ul);
    var ta = bb.el("textarea", { id: "note-text", maxlength: "4000", rows: "3" });
    var form = bb.el("form", { id: "note-form" }, bb.el("label", { for: "note-text" }, "Ny note"), ta,
      bb.el("button", { type: "submit", class: "secondary" }, "Gem note"));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!ta.value.trim()) { bb.say("Skriv noten først.", "error"); ta.focus(); return; }
      bb.api("POST", "/api/conversations/" + c.id + "/notes", { text: ta.value }).then(function (res) {
        if (!res.ok) { bb.say(bb.failure(res), "error"); return; }
        ta.value = "";
        bb.say("Noten er gemt.", "info");
        reload();
      });
    });
    box.appendChild(form);
    return box;
  }

  function transitionsPanel(c) {
    var d = bb.el("details", { class: "panel" }, bb.el("summary", null, "Forløb"));
    var ul = bb.el("ul", null);
    (c.transitions || []).forEach(function (t) {
      ul.appendChild(bb.el("li", null, bb.when(t.at) + ": " + (bb.MODES[t.to] || t.to) +
        (t.actor ? " (" + t.actor + ")" : "") + (t.reason ? " – " + (bb.REASONS[t.reason] || t.reason) : "") +
        (t.department ? " – " + t.department : "")));
    });
    d.appendChild(ul);
    return d;
  }

  /* {sag} {navn} {afdeling} filled in; returns [text, missing placeholders] */
  function expand(body, c) {
    var cases = (c.cases || []).slice().sort(function (a, b) {
      return String(b.created_at || "").localeCompare(String(a.created_at || ""));
    });
    var values = {
      sag: cases.length ? cases[0].reference : null,
      navn: bb.user ? bb.user.name : null,
      afdeling: bb.user ? bb.user.department : null
    };
    var missing = [];
    var text = body.replace(/\{(sag|navn|afdeling)\}/g, function (all, k) {
      if (values[k]) return values[k];
      missing.push(all);
      return all;
    });
    return [text, missing];
  }

  function replyPanel(view) {
    var box = bb.el("section", { class: "panel", "aria-labelledby": "reply-title" },
      bb.el("h2", { id: "reply-title" }, "Svar borgeren"));
    var canned = bb.el("select", { id: "canned-select" }, bb.el("option", { value: "" }, "Vælg et standardsvar …"));
    var insert = bb.el("button", { type: "button", class: "secondary", id: "canned-insert" }, "Indsæt");
    box.appendChild(bb.el("div", { class: "filters" },
      bb.el("div", null, bb.el("label", { for: "canned-select" }, "Standardsvar"), canned),
      bb.el("div", null, insert)));
    var replies = [];
    bb.api("GET", "/api/canned-replies").then(function (res) {
      replies = (res.data && res.data.canned_replies) || [];
      replies.forEach(function (r) {
        canned.appendChild(bb.el("option", { value: String(r.id) }, r.title + (r.department ? " (" + r.department + ")" : "")));
      });
    });
    var ta = bb.el("textarea", { id: "reply-text", maxlength: "4000", rows: "5", "aria-describedby": "reply-help" });
    var send = bb.el("button", { type: "submit", id: "reply-send" }, "Send svar");
    var help = bb.el("p", { id: "reply-help", class: "muted" }, "Borgeren ser dit navn og din afdeling.");
    var form = bb.el("form", { id: "reply-form" }, bb.el("label", { for: "reply-text" }, "Dit svar"), ta, help, send);
    insert.addEventListener("click", function () {
      var r = replies.filter(function (x) { return String(x.id) === canned.value; })[0];
      if (!r) { bb.say("Vælg et standardsvar først.", "error"); canned.focus(); return; }
      var out = expand(r.body, view.c);
      ta.value = ta.value ? ta.value + "\n" + out[0] : out[0];
      if (out[1].length) bb.say("Ret teksten: " + out[1].join(", ") + " kunne ikke udfyldes.", "error");
      else bb.say("Standardsvaret er sat ind. Læs det igennem, før du sender.", "info");
      ta.focus();
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var w = view.c && view.c.window;
      if (w && !w.staff_can_send) {
        bb.say("Svaret kan ikke sendes: der er gået mere end 7 dage siden borgerens sidste besked.", "error");
        return;
      }
      if (!ta.value.trim()) { bb.say("Skriv et svar først.", "error"); ta.focus(); return; }
      send.disabled = true;
      bb.api("POST", "/api/conversations/" + view.id + "/reply", { text: ta.value }).then(function (res) {
        send.disabled = false;
        if (!res.ok) {
          bb.say(res.status === 409 ? "Svaret blev ikke sendt: " + bb.failure(res) : bb.failure(res), "error");
          return;
        }
        ta.value = "";
        bb.say(res.data && res.data.tag === "HUMAN_AGENT" ? "Svaret er sendt som medarbejder (HUMAN_AGENT)." : "Svaret er sendt.", "info");
        view.reload();
      });
    });
    box.appendChild(form);
    view.replyForm = { send: send, ta: ta };
    return box;
  }

  function act(view, action, body, done) {
    return bb.api("POST", "/api/conversations/" + view.id + "/" + action, body || {}).then(function (res) {
      if (!res.ok) { bb.say(bb.failure(res), "error"); return; }
      bb.say(done, "info");
      view.reload();
    });
  }

  function actions(view) {
    var c = view.c;
    var box = bb.el("div", { class: "actions", id: "actions" });
    var me = bb.user && (c.assignee === bb.user.username);
    if (c.mode === "waiting_for_staff" || (c.mode === "staff" && !me)) {
      var take = bb.el("button", { type: "button", id: "act-take" }, "Tag samtalen");
      take.addEventListener("click", function () { act(view, "take", {}, "Du har taget samtalen. Borgeren har fået at vide, at du skriver."); });
      box.appendChild(take);
    }
    if (c.mode !== "bot" && c.mode !== "closed") {
      var back = bb.el("button", { type: "button", class: "secondary", id: "act-handback" }, "Giv tilbage til Borgerbot");
      back.addEventListener("click", function () { act(view, "handback", {}, "Samtalen er givet tilbage til Borgerbot."); });
      box.appendChild(back);
    }
    if (c.mode !== "closed") {
      var close = bb.el("button", { type: "button", class: "secondary", id: "act-close" }, "Luk samtalen");
      close.addEventListener("click", function () {
        if (window.confirm("Luk samtalen? Borgerens næste besked starter en ny.")) act(view, "close", {}, "Samtalen er lukket.");
      });
      box.appendChild(close);
      var sel = bb.el("select", { id: "transfer-department" });
      var go = bb.el("button", { type: "button", class: "secondary", id: "act-transfer" }, "Overfør");
      bb.api("GET", "/api/departments").then(function (res) {
        ((res.data && res.data.departments) || []).forEach(function (d) {
          if (d !== c.department) sel.appendChild(bb.el("option", { value: d }, d));
        });
      });
      go.addEventListener("click", function () {
        if (!sel.value) return;
        act(view, "transfer", { department: sel.value }, "Samtalen er overført til " + sel.value + ".");
      });
      box.appendChild(bb.el("span", null, bb.el("label", { for: "transfer-department", class: "inline" }, "Overfør til"), sel, go));
    }
    return box;
  }

  function render(main, args) {
    var id = parseInt(args[0], 10);
    var view = { id: id, c: null };
    var title = bb.el("h1", { id: "conv-title" }, "Samtale " + (id || ""));
    var top = bb.el("div", { id: "conv-top" });
    var side = bb.el("div", { id: "conv-side" });
    var list = bb.el("ol", { class: "transcript", id: "transcript", "aria-label": "Samtalen" });
    var reply = null;
    main.appendChild(bb.el("p", null, bb.el("a", { href: "#/indbakke" }, "Tilbage til indbakken")));
    main.appendChild(title);
    main.appendChild(top);
    main.appendChild(bb.el("h2", null, "Beskeder"));
    main.appendChild(list);
    if (!id) { top.appendChild(bb.el("p", { class: "empty" }, "Samtalen findes ikke.")); return; }

    view.reload = function () {
      return bb.api("GET", "/api/conversations/" + id).then(function (res) {
        if (!res.ok || !res.data) {
          top.replaceChildren(bb.el("p", { class: "empty", role: "status" },
            res.status === 404 ? "Samtalen findes ikke, eller du har ikke adgang til den." : bb.failure(res)));
          return;
        }
        var c = view.c = res.data;
        if (c.urgent) title.textContent = "Samtale " + id + " – haster";
        top.replaceChildren(header(c), actions(view), windowPanel(c));
        list.replaceChildren();
        (c.messages || []).forEach(function (m) { list.appendChild(message(m)); });
        if (!reply) { reply = replyPanel(view); main.appendChild(reply); main.appendChild(side); }
        var closed = !c.window || !c.window.staff_can_send || c.mode === "closed";
        view.replyForm.send.disabled = closed;
        side.replaceChildren(notesPanel(c, view.reload), casesPanel(c), transitionsPanel(c));
      }).catch(function () { bb.say(bb.failure(null), "error"); });
    };
    view.reload();
    if (bb.clearAlert) bb.clearAlert();
    var timer = null;
    var off = bb.on("live", function (ev) {
      if (ev.type !== "poll" && ev.data.conversation !== id) return;
      if (timer) return;
      timer = window.setTimeout(function () { timer = null; view.reload(); }, 300);
    });
    return function () { off(); if (timer) window.clearTimeout(timer); };
  }

  bb.page("samtale", { title: "Samtale", nav: false, render: render });
})();
