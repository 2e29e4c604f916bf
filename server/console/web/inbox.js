/*
 * inbox.js - the console's first page: the queue of chats waiting for staff
 * (urgent first, then the longest waiting), from GET /api/conversations.
 */
"use strict";

(function () {
  var bb = window.bb;

  function status(box, text, state) {
    var s = box.querySelector("#inbox-status");
    s.textContent = text;
    s.setAttribute("data-state", state);
    s.className = state === "unavailable" || state === "empty" ? "empty" : "muted";
  }

  function item(c) {
    var li = bb.el("li", { class: c.urgent ? "urgent" : "" });
    var title = bb.el("p", { class: "title" },
      bb.el("a", { href: "#/samtale/" + c.id }, bb.el("strong", null, "Samtale " + c.id)));
    if (c.urgent) title.appendChild(bb.el("span", { class: "badge" }, " · Haster"));
    li.appendChild(title);
    var reason = bb.REASONS[c.reason] || c.reason || "";
    if (reason) li.appendChild(bb.el("p", null, reason));
    var last = c.last_message || "";
    if (typeof last === "object" && last) last = last.text || "";
    if (last) li.appendChild(bb.el("p", { class: "text" }, last));
    var meta = [bb.MODES[c.mode] || c.mode || "", c.department || "", c.assignee_name || "",
      bb.when(c.handed_over_at || c.updated_at || c.created_at)];
    li.appendChild(bb.el("p", { class: "meta" }, meta.filter(Boolean).join(" · ")));
    return li;
  }

  function render(main) {
    var box = bb.el("section", { id: "inbox", "aria-labelledby": "inbox-title", "aria-busy": "true" },
      bb.el("h1", { id: "inbox-title" }, "Indbakke"),
      bb.el("p", { id: "inbox-status", class: "muted", role: "status" }, "Henter samtaler …"),
      bb.el("ul", { id: "inbox-list", class: "conversations" }));
    main.appendChild(box);
    bb.api("GET", "/api/conversations?mode=waiting_for_staff,staff").then(function (res) {
      if (res.status === 404) {
        status(box, "Indbakken er ikke tilgængelig endnu. Her kommer de chats, som Borgerbot giver videre til jer.", "unavailable");
        return;
      }
      if (!res.ok || !res.data) { status(box, "Samtalerne kunne ikke hentes lige nu. Prøv at genindlæse siden.", "error"); return; }
      var items = res.data.conversations || [];
      var list = box.querySelector("#inbox-list");
      list.replaceChildren();
      if (!items.length) {
        status(box, "Ingen borgere venter lige nu. Nye samtaler dukker op her.", "empty");
        return;
      }
      status(box, items.length === 1 ? "1 samtale" : items.length + " samtaler", "list");
      items.forEach(function (c) { list.appendChild(item(c)); });
    }).catch(function () {
      status(box, bb.failure(null), "error");
    }).then(function () { box.setAttribute("aria-busy", "false"); });
  }

  bb.page("indbakke", { title: "Indbakke", nav: true, render: render });
})();
