// Agent workspace helpers. Progressive enhancement: every page works without this file.
(function () {
  "use strict";

  var box = document.querySelector("input[data-agent-search]");

  // Keyboard shortcuts (listed on "?"), never while typing in a field.
  function focusMessage(kind) {
    var radio = document.querySelector("input[name=kind][value=" + kind + "]");
    var area = document.querySelector("textarea[name=message]");
    if (!radio || !area) { return false; }
    radio.checked = true;
    area.focus();
    return true;
  }
  var shortcuts = {
    "/": function () { if (box) { box.focus(); box.select(); } else { window.location.href = "/agent/"; } return true; },
    "?": function () {
      var d = document.getElementById("shortcuts");
      if (!d || !d.showModal) { return false; }
      if (d.open) { d.close(); } else { d.showModal(); }
      return true;
    },
    "r": function () { return focusMessage("reply"); },
    "n": function () { return focusMessage("note"); },
    "e": function () {
      var area = document.querySelector("textarea[name=explanation]");
      if (!area) { return false; }
      area.focus();
      return true;
    },
    "l": function () {
      var field = document.querySelector("input[name=kb_id]");
      if (!field) { return false; }
      field.focus();
      return true;
    },
    "j": function () {
      var next = document.getElementById("next-ticket");
      if (!next) { return false; }
      window.location.href = next.href;
      return true;
    },
    "q": function () { window.location.href = "/agent/tickets"; return true; }
  };
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || !shortcuts[e.key]) { return; }
    var t = e.target;
    var tag = t && t.tagName ? t.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || (t && t.isContentEditable)) { return; }
    if (shortcuts[e.key]()) { e.preventDefault(); }
  });

  // Drafts: what an agent types in a reply or note is kept in this browser until the ticket's
  // timeline shows it was sent, so an expired session or a closed tab loses nothing.
  document.querySelectorAll("textarea[data-draft]").forEach(function (area) {
    var key = "kb-draft:" + area.getAttribute("data-draft");
    var sentKey = key + ":sent";
    var store = window.localStorage;
    if (!store) { return; }
    var sent = store.getItem(sentKey);
    var timeline = document.querySelector(".timeline");
    if (sent && timeline && timeline.textContent.indexOf(sent.slice(0, 60)) !== -1) {
      store.removeItem(key);  // it arrived: nothing to keep
      store.removeItem(sentKey);
    }
    var draft = store.getItem(key);
    if (draft && !area.value) {
      area.value = draft;
      var note = document.createElement("p");
      note.className = "hint draft-note";
      note.setAttribute("role", "status");
      note.textContent = "Your unsent text was kept. Check it and send it again.";
      area.parentNode.insertBefore(note, area);
    }
    area.addEventListener("input", function () {
      if (area.value.trim()) { store.setItem(key, area.value); } else { store.removeItem(key); }
    });
    if (area.form) {
      area.form.addEventListener("submit", function () {
        if (area.value.trim()) { store.setItem(sentKey, area.value.trim()); }
      });
    }
  });

  if (!box) { return; }
  var list = document.getElementById("agent-results");
  var status = document.getElementById("agent-results-status");
  var tpl = document.getElementById("link-form-template");
  var timer = null, last = box.value.trim();

  function copyButton(url) {
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "copy-btn";
    btn.textContent = "Copy link";
    if (!navigator.clipboard) { btn.hidden = true; }
    btn.addEventListener("click", function () {
      navigator.clipboard.writeText(url).then(function () {
        btn.textContent = "Copied";
        setTimeout(function () { btn.textContent = "Copy link"; }, 2000);
      });
    });
    return btn;
  }

  function linkForm(number) {
    if (!tpl) { return document.createDocumentFragment(); }
    var frag = tpl.content.cloneNode(true);
    var article = frag.querySelector("input[name=article_id]");
    if (article) { article.value = number; }
    var select = frag.querySelector("select");
    var label = frag.querySelector("label");
    if (select && label) {
      select.id = "ticket-" + number;
      label.setAttribute("for", select.id);
    }
    return frag;
  }

  function render(items) {
    list.innerHTML = "";
    items.forEach(function (r) {
      var li = document.createElement("li");
      li.className = "agent-result";
      var h = document.createElement("h2");
      var a = document.createElement("a");
      a.href = r.agent_url;
      a.textContent = r.title;
      h.appendChild(a);
      li.appendChild(h);
      var meta = document.createElement("p");
      meta.className = "meta";
      var id = document.createElement("span");
      id.className = "kb-id";
      id.textContent = r.id;
      meta.appendChild(id);
      if (r.internal) {
        var tag = document.createElement("span");
        tag.className = "tag internal";
        tag.textContent = "Internal";
        meta.appendChild(document.createTextNode(" "));
        meta.appendChild(tag);
      }
      if (r.link) { meta.appendChild(document.createTextNode(" ")); meta.appendChild(copyButton(r.link)); }
      li.appendChild(meta);
      var p = document.createElement("p");
      p.textContent = r.summary;
      li.appendChild(p);
      li.appendChild(linkForm(r.number));
      list.appendChild(li);
    });
    status.textContent = items.length ? items.length + (items.length === 1 ? " article" : " articles") + " found." : "No article matches.";
  }

  box.addEventListener("input", function () {
    var q = box.value.trim();
    clearTimeout(timer);
    if (q.length < 2) { return; }
    timer = setTimeout(function () {
      if (q === last) { return; }
      last = q;
      fetch(box.getAttribute("data-agent-search") + "?q=" + encodeURIComponent(q),
            { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (box.value.trim() === q) { render(data.results || []); } })
        .catch(function () { status.textContent = "Search is not available. Press Enter to search."; });
    }, 150);
  });
})();
