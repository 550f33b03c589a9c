// Inside the help widget's iframe: Escape closes the panel, and Tab past either end goes
// back to the panel's Close button, so focus stays in the panel (widget.js does the rest).
// The messages say nothing private, so any parent may hear them; widget.js checks the sender.
(function () {
  "use strict";
  if (window.parent === window) { return; }
  var SELECTOR = "a[href], button, input, textarea, select, [tabindex]:not([tabindex='-1'])";

  function focusables() {
    return Array.prototype.filter.call(document.querySelectorAll(SELECTOR), function (el) {
      return !el.disabled && el.offsetParent !== null;
    });
  }
  function tell(message) { window.parent.postMessage(message, "*"); }

  // After a search the new page's results are announced and the next Tab reaches them.
  var heading = document.getElementById("widget-results-h");
  if (heading) { heading.focus(); }

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { tell("kb-widget:close"); return; }
    if (e.key !== "Tab") { return; }
    var all = focusables();
    if (!all.length) { return; }
    if (!e.shiftKey && document.activeElement === all[all.length - 1]) {
      e.preventDefault();
      tell("kb-widget:tab-out-end");
    } else if (e.shiftKey && document.activeElement === all[0]) {
      e.preventDefault();
      tell("kb-widget:tab-out-start");
    }
  });
  window.addEventListener("message", function (e) {
    if (e.source !== window.parent) { return; }
    var all = focusables();
    if (e.data === "kb-widget:focus-first") {
      var q = document.getElementById("widget-q");
      (q || all[0] || document.body).focus();
    } else if (e.data === "kb-widget:focus-last" && all.length) {
      all[all.length - 1].focus();
    }
  });
})();
