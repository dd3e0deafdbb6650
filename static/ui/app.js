// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print]");
    if (target) { event.preventDefault(); window.print(); return; }
    var confirmable = event.target.closest("[data-confirm]");
    if (confirmable && !window.confirm(confirmable.getAttribute("data-confirm"))) { event.preventDefault(); }
  });

  // After htmx swaps a fragment in, put the cursor where the fragment asks
  // ([data-focus-here] inside what was swapped) -- unless the cashier has
  // moved on to another field while the answer was on its way (a shortcut
  // key, or a click, after a scan). Then the cursor stays in that field and
  // what they typed there meanwhile survives the swap.
  var focusedAtRequest = null;
  var typing = null;
  document.addEventListener("htmx:beforeRequest", function () {
    var active = document.activeElement;
    focusedAtRequest = active && active.id ? active.id : null;
  });
  document.addEventListener("htmx:beforeSwap", function () {
    var active = document.activeElement;
    var movedOn = active && active.id && active.id !== focusedAtRequest && active.matches("input, textarea");
    typing = movedOn ? {id: active.id, value: active.value} : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    var field = typing ? document.getElementById(typing.id) : null;
    if (field && field.matches("input, textarea")) { field.value = typing.value; field.focus(); }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (typing) { return; }
    var wanted = event.detail.elt && event.detail.elt.querySelector ? event.detail.elt.querySelector("[data-focus-here]") : null;
    if (!wanted) { return; }
    wanted.focus();
    if (wanted.select) { wanted.select(); }
  });
})();
