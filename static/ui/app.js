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
  // ([data-focus-here] inside what was swapped) -- unless the user has
  // already moved on to another field (a shortcut key pressed while the
  // answer was on its way).
  var focusedBefore = null;
  var swappedId = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    focusedBefore = active && active.id ? active.id : null;
    swappedId = event.detail.target && event.detail.target.id ? event.detail.target.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var root = swappedId ? document.getElementById(swappedId) : null;
    var wanted = root ? root.querySelector("[data-focus-here]") : null;
    if (!wanted) { return; }
    var now = document.activeElement;
    var untouched = !now || now === document.body || !now.id || now.id === focusedBefore;
    if (!untouched) { return; }
    wanted.focus();
    if (wanted.select) { wanted.select(); }
  });
})();
