// A browser enrolled as a POS terminal sells through its journal only: its
// counter is the offline one (static/ui/terminal/). ?online=1 keeps this page
// for the rest of the tab's session, for what only the online counter does
// (exchanges, payouts, store credit).
import { currentDeviceId } from "./terminal/store.js";

const script = document.getElementById("pos-script");
if (/[?&]online=1\b/.test(location.search)) sessionStorage.setItem("zargar-online-counter", "1");
if (script && !sessionStorage.getItem("zargar-online-counter")) {
  currentDeviceId().then((deviceId) => { if (deviceId) location.replace(script.dataset.terminal); }).catch(() => {});
}

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
