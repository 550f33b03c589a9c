// The help widget for intranet pages. One tag, served by the help desk site:
//   <script src="https://helpdesk.example.org/widget.js" defer
//           data-label="IT help" data-title="Get IT help" data-button="#help-link"></script>
// adds a button (or uses the element data-button names) that opens a panel with search and
// "Tell us what's happening", shown in an iframe of the help desk's /widget page. Styled from
// script (element.style), so the host page's CSP needs no inline style; loads nothing else.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.kbHelpWidget) { return; }
  var origin = new URL(script.src, location.href).origin;
  var label = script.getAttribute("data-label") || "IT help";
  var title = script.getAttribute("data-title") || "Get IT help";
  var own = script.getAttribute("data-button");
  var panel, frame, closeBtn, site, opener = null, loaded = false;

  function css(el, rules) { Object.keys(rules).forEach(function (k) { el.style[k] = rules[k]; }); return el; }
  function make(tag, rules, attrs) {
    var el = css(document.createElement(tag), rules || {});
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }
  function post(message) { if (frame && frame.contentWindow) { frame.contentWindow.postMessage(message, origin); } }

  function build() {
    panel = make("div", {
      position: "fixed", right: "1rem", bottom: "4.5rem", width: "min(26rem, calc(100vw - 2rem))",
      height: "min(38rem, calc(100vh - 6rem))", display: "none", flexDirection: "column",
      background: "#fff", color: "#1b1b1b", border: "2px solid #1b1b1b", boxShadow: "0 4px 16px rgba(0,0,0,.3)",
      zIndex: "2147483000", font: "16px/1.4 system-ui, sans-serif"
    }, { id: "kb-help-widget", role: "dialog", "aria-modal": "true", "aria-labelledby": "kb-help-widget-title" });
    var head = make("div", { display: "flex", alignItems: "center", justifyContent: "space-between",
      gap: ".5rem", padding: ".5rem .75rem", background: "#0b0c0c", color: "#fff" });
    var h = make("h2", { margin: "0", fontSize: "1.1rem", color: "#fff" }, { id: "kb-help-widget-title" });
    h.textContent = title;
    site = make("a", { color: "#fff", marginLeft: "auto", fontSize: ".9rem" },
      { href: origin + "/", target: "_blank", rel: "noopener" });
    site.textContent = "Open the help site";
    closeBtn = make("button", { font: "inherit", padding: ".25rem .6rem", cursor: "pointer" },
      { type: "button", "aria-label": "Close help" });
    closeBtn.textContent = "Close";
    head.appendChild(h); head.appendChild(site); head.appendChild(closeBtn);
    frame = make("iframe", { border: "0", width: "100%", flex: "1 1 auto" },
      { title: title + ": search and ask the help desk" });
    panel.appendChild(head); panel.appendChild(frame);
    document.body.appendChild(panel);

    closeBtn.addEventListener("click", close);
    panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { e.preventDefault(); close(); }
    });
    // Focus stays in the panel: Shift+Tab from its first control goes to the frame's last one;
    // the frame sends Tab past its ends back here (widget-frame.js).
    site.addEventListener("keydown", function (e) {
      if (e.key === "Tab" && e.shiftKey) { e.preventDefault(); frame.focus(); post("kb-widget:focus-last"); }
    });
    frame.addEventListener("load", function () {
      if (panel.style.display !== "none") { frame.focus(); post("kb-widget:focus-first"); }
    });
    window.addEventListener("message", function (e) {
      if (e.origin !== origin || e.source !== frame.contentWindow) { return; }
      if (e.data === "kb-widget:close") { close(); }
      if (e.data === "kb-widget:tab-out-end") { site.focus(); }
      if (e.data === "kb-widget:tab-out-start") { closeBtn.focus(); }
    });
  }

  function open(from) {
    opener = from || document.activeElement;
    panel.style.display = "flex";
    button.setAttribute("aria-expanded", "true");
    closeBtn.focus();  // until the frame has loaded and takes it
    if (!loaded) { loaded = true; frame.src = origin + "/widget"; } else { frame.focus(); post("kb-widget:focus-first"); }
  }
  function close() {
    if (!panel || panel.style.display === "none") { return; }
    panel.style.display = "none";
    button.setAttribute("aria-expanded", "false");
    if (opener && opener.focus) { opener.focus(); }
  }

  var button = null;
  function start() {
    build();
    button = own ? document.querySelector(own) : null;
    if (!button) {
      button = make("button", {
        position: "fixed", right: "1rem", bottom: "1rem", zIndex: "2147483000", padding: ".6rem 1rem",
        font: "700 16px/1.2 system-ui, sans-serif", background: "#1d4f91", color: "#fff",
        border: "2px solid #fff", borderRadius: "4px", cursor: "pointer", boxShadow: "0 2px 6px rgba(0,0,0,.3)"
      }, { type: "button" });
      button.textContent = label;
      document.body.appendChild(button);
    }
    button.setAttribute("aria-haspopup", "dialog");
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "kb-help-widget");
    button.addEventListener("click", function (e) {
      e.preventDefault();
      if (panel.style.display !== "none") { close(); } else { open(button); }
    });
    window.kbHelpWidget = { open: function () { open(button); }, close: close };
  }
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();
