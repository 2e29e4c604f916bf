/*
 * cases.js - the cases page (#/sager): list and filter the municipality's
 * cases, set a status with a note, add a gritting run. (Filled in by issue
 * 10's cases page.)
 */
"use strict";

(function () {
  var bb = window.bb;
  bb.page("sager", {
    title: "Sager",
    nav: true,
    render: function (main) {
      main.appendChild(bb.el("h1", null, "Sager"));
    }
  });
})();
