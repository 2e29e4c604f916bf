/*
 * conversation.js - one conversation (#/samtale/ID): transcript, why the bot
 * handed it over, the citizen's cases, reply, notes and the take / hand back
 * / close / transfer actions. (Filled in by issue 10's conversation view.)
 */
"use strict";

(function () {
  var bb = window.bb;
  bb.page("samtale", {
    title: "Samtale",
    nav: false,
    render: function (main, args) {
      main.appendChild(bb.el("h1", null, "Samtale " + (args[0] || "")));
      main.appendChild(bb.el("p", null, bb.el("a", { href: "#/indbakke" }, "Tilbage til indbakken")));
    }
  });
})();
