// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print]");
    if (target) { event.preventDefault(); window.print(); return; }
    var confirmable = event.target.closest("[data-confirm]");
    if (confirmable && !window.confirm(confirmable.getAttribute("data-confirm"))) { event.preventDefault(); }
  });

  // After htmx swaps a fragment in, put the cursor where the server asked
  // ([data-focus-here]) -- unless the user has already moved on to another
  // field (a shortcut key pressed while the answer was on its way).
  var focusedBefore = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var active = document.activeElement;
    focusedBefore = active && active.id ? active.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var now = document.activeElement;
    var untouched = !now || now === document.body || !now.id || now.id === focusedBefore;
    if (!untouched) { return; }
    var wanted = document.querySelector("[data-focus-here]");
    if (wanted) { wanted.focus(); if (wanted.select) { wanted.select(); } }
  });
})();
