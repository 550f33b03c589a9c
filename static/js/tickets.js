// Ticket form: suggest articles while the problem is typed (deflection). Without this file the
// "Check for articles that may help" button does the same on the server.
(function () {
  "use strict";
  var input = document.querySelector("input[data-ticket-suggest]");
  var box = document.getElementById("suggestions-live");
  if (!input || !box || !window.fetch) { return; }
  var endpoint = input.getAttribute("data-ticket-suggest");
  var timer = null, last = input.value.trim();

  function render(results) {
    box.innerHTML = "";
    if (!results.length) { return; }
    var section = document.createElement("section");
    section.className = "deflect";
    var h = document.createElement("h2");
    h.textContent = "Check these articles first";
    var p = document.createElement("p");
    p.textContent = "One of these may fix it straight away. Each opens in a new tab, so this form stays as it is.";
    var ul = document.createElement("ul");
    results.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = r.url;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = r.title + " (opens in a new tab)";
      var id = document.createElement("span");
      id.className = "kb-id";
      id.textContent = r.id;
      var hint = document.createElement("span");
      hint.className = "hint";
      hint.textContent = r.summary || "";
      li.appendChild(a);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(id);
      li.appendChild(document.createElement("br"));
      li.appendChild(hint);
      ul.appendChild(li);
    });
    section.appendChild(h);
    section.appendChild(p);
    section.appendChild(ul);
    box.appendChild(section);
  }

  input.addEventListener("input", function () {
    var q = input.value.trim();
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (q === last) { return; }
      last = q;
      if (q.length < 3) { render([]); return; }
      var form = input.form, extra = "";
      ["run", "article"].forEach(function (name) {  // what they already tried is never offered
        var field = form && form.elements[name];
        if (field && field.value) { extra += "&" + name + "=" + encodeURIComponent(field.value); }
      });
      fetch(endpoint + "?q=" + encodeURIComponent(q) + extra,
            { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (input.value.trim() === q) { render(data.results || []); } })
        .catch(function () { /* the server-side preview still works */ });
    }, 400);
  });
})();
