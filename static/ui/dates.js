// Jalali date inputs of the Persian pages (apps/ui/dates.py renders them as
// <input data-jdp>): the date picker from npm (static/vendor/jalalidatepicker)
// opens on them. The input shows Persian digits; while it has the focus its
// digits are Latin, which is what the picker reads and writes. The server
// accepts either, so the page works as a plain text field without this file.
(function () {
  "use strict";
  var PERSIAN = "۰۱۲۳۴۵۶۷۸۹";
  function latin(text) {
    return text.replace(/[۰-۹]/g, function (d) { return String(PERSIAN.indexOf(d)); })
               .replace(/[٠-٩]/g, function (d) { return String(d.charCodeAt(0) - 0x0660); });
  }
  function persian(text) {
    return text.replace(/[0-9]/g, function (d) { return PERSIAN.charAt(Number(d)); });
  }
  function isDateInput(node) { return node && node.matches && node.matches("input[data-jdp]"); }

  // Capture phase: before the picker's own focusin handler reads the value.
  document.addEventListener("focusin", function (event) {
    if (isDateInput(event.target)) { event.target.value = latin(event.target.value); }
  }, true);
  function showPersian(event) {
    var input = event.target;
    if (isDateInput(input) && document.activeElement !== input) { input.value = persian(input.value); }
  }
  document.addEventListener("focusout", function (event) {
    var input = event.target;
    // A click on the calendar takes the focus away before the picker writes
    // the day; the picker's jdp:change event below covers that case.
    window.setTimeout(function () { showPersian({ target: input }); }, 0);
  });
  document.addEventListener("jdp:change", showPersian);

  if (window.jalaliDatepicker) {
    window.jalaliDatepicker.startWatch({
      persianDigits: true, time: false, autoShow: true, autoHide: true, hideAfterChange: true,
      showTodayBtn: true, showEmptyBtn: true, showCloseBtn: true,
    });
  }
})();
