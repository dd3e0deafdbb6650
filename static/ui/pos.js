// Counter keyboard shortcuts. Everything is also reachable with Tab/Enter.
(function () {
  "use strict";
  var keys = {
    F2: "#scan-code",          // scan or search an item
    F3: "#customer-q",         // find a customer
    F4: "#tradein-weight",     // old gold taken in
    F6: "#payment-amount",     // add a payment
  };
  document.addEventListener("keydown", function (event) {
    var selector = keys[event.key];
    if (selector) {
      var field = document.querySelector(selector);
      if (field) { event.preventDefault(); field.focus(); if (field.select) { field.select(); } }
      return;
    }
    if (event.key === "F9" || (event.key === "Enter" && (event.ctrlKey || event.metaKey))) {
      var checkout = document.querySelector("#checkout-button:not([disabled])");
      if (checkout) { event.preventDefault(); checkout.click(); }
    }
  });
})();
