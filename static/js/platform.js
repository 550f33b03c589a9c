// Steps per platform: remembers the tab a visitor picks (in a cookie the server reads, so
// the next article opens on it too) and opens that platform in every tab set on the page.
// The tabs themselves are radio buttons and CSS: they work without this file.
(function () {
  "use strict";
  var COOKIE = "kb_platform";

  function choose(key) {
    document.querySelectorAll("input[data-platform]").forEach(function (input) {
      if (input.getAttribute("data-platform") === key) { input.checked = true; }
    });
    document.querySelectorAll("[data-platform-link]").forEach(function (link) {
      if (link.getAttribute("data-platform-link") === key) {
        link.setAttribute("aria-current", "true");
      } else {
        link.removeAttribute("aria-current");
      }
    });
    document.cookie = COOKIE + "=" + encodeURIComponent(key) + "; path=/; max-age=31536000; SameSite=Lax" +
      (location.protocol === "https:" ? "; Secure" : "");
  }

  document.addEventListener("change", function (e) {
    var input = e.target;
    if (input && input.matches && input.matches("input[data-platform]") && input.checked) {
      choose(input.getAttribute("data-platform"));
    }
  });
  // The "Steps for:" links reload the page without JavaScript; with it, no reload needed.
  document.querySelectorAll("[data-platform-link]").forEach(function (link) {
    link.addEventListener("click", function (e) {
      e.preventDefault();
      choose(link.getAttribute("data-platform-link"));
    });
  });
})();
