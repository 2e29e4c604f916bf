/*
 * canned.js - the admin page "Standardsvar" (#/standardsvar): the canned
 * replies staff put into the reply box. Lists them all (shared ones and
 * each department's), adds, edits and deletes through
 * /api/canned-replies (admin only; the server validates again and its
 * error is shown as is). Placeholders: {sag}, {navn}, {afdeling}.
 */
"use strict";

(function () {
  var bb = window.bb;

  function field(id, label, input, help) {
    return bb.el("div", null, bb.el("label", { for: id }, label), input,
      help ? bb.el("p", { class: "muted", id: id + "-help" }, help) : null);
  }

  function form(main, departments, reply, reload) {
    var title = bb.el("input", { type: "text", id: "canned-title", maxlength: "80", value: reply ? reply.title : "", required: true });
    var dept = bb.el("select", { id: "canned-department" }, bb.el("option", { value: "" }, "Fælles for alle afdelinger"));
    departments.forEach(function (d) {
      dept.appendChild(bb.el("option", { value: d, selected: reply && reply.department === d }, d));
    });
    var body = bb.el("textarea", { id: "canned-body", rows: "6", required: true, "aria-describedby": "canned-body-help" });
    body.value = reply ? reply.body : "";
    var save = bb.el("button", { type: "submit", id: "canned-save" }, reply ? "Gem ændringer" : "Tilføj standardsvar");
    var f = bb.el("form", { id: "canned-form", class: "panel" },
      bb.el("h2", null, reply ? "Ret standardsvar" : "Nyt standardsvar"),
      field("canned-title", "Titel", title),
      field("canned-department", "Afdeling", dept),
      field("canned-body", "Tekst", body,
        "Pladsholdere: {sag} = borgerens nyeste sagsnummer, {navn} = dit navn, {afdeling} = din afdeling. Højst 2000 tegn."),
      save);
    if (reply) {
      var cancel = bb.el("button", { type: "button", class: "secondary" }, "Annullér");
      cancel.addEventListener("click", function () { reload(); });
      f.appendChild(cancel);
    }
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var path = "/api/canned-replies" + (reply ? "/" + reply.id : "");
      bb.api("POST", path, { title: title.value, body: body.value, department: dept.value || null }).then(function (res) {
        if (!res.ok) { bb.say("Standardsvaret blev ikke gemt: " + bb.failure(res), "error"); return; }
        bb.say(reply ? "Standardsvaret er gemt." : "Standardsvaret er tilføjet.", "info");
        reload();
      });
    });
    return f;
  }

  function item(r, edit, reload) {
    var li = bb.el("li", { "data-id": r.id },
      bb.el("h3", null, r.title),
      bb.el("p", { class: "meta muted" }, r.department || "Fælles for alle afdelinger"),
      bb.el("p", { class: "body" }, r.body));
    var e = bb.el("button", { type: "button", class: "secondary" }, "Ret");
    e.setAttribute("aria-label", "Ret " + r.title);
    e.addEventListener("click", function () { edit(r); });
    var d = bb.el("button", { type: "button", class: "danger" }, "Slet");
    d.setAttribute("aria-label", "Slet " + r.title);
    d.addEventListener("click", function () {
      if (!window.confirm("Slet standardsvaret \"" + r.title + "\"?")) return;
      bb.api("POST", "/api/canned-replies/" + r.id + "/delete", {}).then(function (res) {
        if (!res.ok) { bb.say(bb.failure(res), "error"); return; }
        bb.say("Standardsvaret er slettet.", "info");
        reload();
      });
    });
    li.appendChild(bb.el("div", { class: "actions" }, e, d));
    return li;
  }

  function render(main) {
    var departments = [];
    function reload(editing) {
      main.replaceChildren(bb.el("h1", null, "Standardsvar"),
        bb.el("p", null, "Standardsvar kan sættes ind i svarfeltet i en samtale og rettes, før de sendes."));
      Promise.all([bb.api("GET", "/api/canned-replies"), bb.api("GET", "/api/departments")]).then(function (r) {
        departments = (r[1].data && r[1].data.departments) || [];
        main.appendChild(form(main, departments, editing || null, function () { reload(); }));
        if (!r[0].ok) { bb.say(bb.failure(r[0]), "error"); return; }
        var items = (r[0].data && r[0].data.canned_replies) || [];
        main.appendChild(bb.el("h2", null, items.length === 1 ? "1 standardsvar" : items.length + " standardsvar"));
        var ul = bb.el("ul", { class: "canned-list", id: "canned-list" });
        items.forEach(function (x) { ul.appendChild(item(x, function (rr) { reload(rr); }, function () { reload(); })); });
        main.appendChild(ul);
        if (editing) document.getElementById("canned-title").focus();
      });
    }
    reload();
  }

  bb.page("standardsvar", { title: "Standardsvar", nav: true, admin: true, render: render });
})();
