/*
 * admin.js - the administrators' page (#/admin): users, canned replies and
 * settings. Shown in the navigation to admins only; the API refuses the rest.
 * (Filled in by issue 10's admin page.)
 */
"use strict";

(function () {
  var bb = window.bb;
  bb.page("admin", {
    title: "Administration",
    nav: true,
    admin: true,
    render: function (main) {
      main.appendChild(bb.el("h1", null, "Administration"));
    }
  });
})();
