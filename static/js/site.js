// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // "Copy ID" buttons: shown only when the clipboard can be used.
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    if (!navigator.clipboard) { return; }
    btn.hidden = false;
    btn.addEventListener("click", function () {
      navigator.clipboard.writeText(btn.getAttribute("data-copy")).then(function () {
        var old = btn.textContent;
        btn.textContent = "Copied";
        btn.setAttribute("aria-live", "polite");
        setTimeout(function () { btn.textContent = old; }, 2000);
      });
    });
  });

  // Search-as-you-type: article titles under any input marked data-suggest.
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var form = input.form;
    var list = document.createElement("ul");
    list.className = "suggestions";
    list.id = input.id + "-suggestions";
    list.hidden = true;
    list.setAttribute("aria-label", "Suggested articles");
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    form.appendChild(list);
    form.appendChild(status);
    var endpoint = input.getAttribute("data-suggest") || "/api/v1/suggest";
    var timer = null, last = "";

    function hide() { list.hidden = true; list.innerHTML = ""; }
    function show(items) {
      list.innerHTML = "";
      items.forEach(function (s) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = s.url;
        a.textContent = s.title + " (" + s.id + ")";
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
      status.textContent = items.length ? items.length + " suggestions. Press the down arrow to choose one." : "";
    }
    input.addEventListener("input", function () {
      var q = input.value.trim();
      clearTimeout(timer);
      if (q.length < 2) { hide(); return; }
      timer = setTimeout(function () {
        if (q === last) { return; }
        last = q;
        fetch(endpoint + "?q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (data) { if (input.value.trim() === q) { show(data.suggestions || []); } })
          .catch(hide);
      }, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && !list.hidden) { e.preventDefault(); list.querySelector("a").focus(); }
      if (e.key === "Escape") { hide(); }
    });
    list.addEventListener("keydown", function (e) {
      var links = Array.prototype.slice.call(list.querySelectorAll("a"));
      var i = links.indexOf(document.activeElement);
      if (e.key === "ArrowDown" && i < links.length - 1) { e.preventDefault(); links[i + 1].focus(); }
      if (e.key === "ArrowUp") { e.preventDefault(); if (i > 0) { links[i - 1].focus(); } else { input.focus(); } }
      if (e.key === "Escape") { hide(); input.focus(); }
    });
    document.addEventListener("click", function (e) { if (!form.contains(e.target)) { hide(); } });
  });

  // Error summaries get focus so screen readers announce them.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
})();
