// The moderation page works without this file; it adds "select all on this page",
// keyboard shortcuts and the live notice of new comments (below),
// a count of the selection, and a confirmation before deleting for good.
(function () {
  "use strict";
  var form = document.getElementById("queue-form");
  if (form) {
    var all = form.querySelector("[data-select-all]");
    var boxes = [];
    var counter = form.querySelector("[data-selected-count]");
    var bulk = Array.prototype.slice.call(form.querySelectorAll(".bulk-buttons button"));

    var refresh = function () {
      boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="ids"]')); /* live additions too */
      var checked = boxes.filter(function (box) { return box.checked; }).length;
      all.checked = checked > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
      counter.textContent = checked ? checked + " of " + boxes.length + " selected" : "None selected";
      bulk.forEach(function (button) { button.disabled = checked === 0; });
    };

    all.closest("label").hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      refresh();
    });
    form.addEventListener("change", function (event) { if (event.target.name === "ids") { refresh(); } });
    document.addEventListener("desk:items", refresh);
    refresh();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();

// Keyboard review of the queue: j/k move to the next/previous comment, a/r/s approve, reject or
// mark spam the comment in hand (by pressing its own button, so that the version shown is sent
// as with a click), ? opens the list of shortcuts and Esc closes it. Never while typing in a field.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("article.item[data-comment]"));
  var help = document.getElementById("kbd-help");
  if (!items.length || !help) {
    return;
  }
  var bind = function () {
    items.forEach(function (item) {
      if (!item.hasAttribute("tabindex")) {
        item.tabIndex = -1;
        item.addEventListener("focusin", function () { current = items.indexOf(item); mark(); });
      }
    });
  };
  var REMEMBER = "moderate.kbd-position";
  var ACTIONS = { a: "approve", r: "reject", s: "spam" };
  var current = -1;
  var hint = document.querySelector("[data-kbd-hint]");
  if (hint) {
    hint.hidden = false;
  }

  var mark = function () {
    items.forEach(function (item, i) { item.classList.toggle("kbd-current", i === current); });
  };
  var go = function (index) {
    current = Math.max(0, Math.min(items.length - 1, index));
    items[current].focus();
    items[current].scrollIntoView({ block: "nearest" });
    mark();
  };
  var typing = function (target) {
    return !!target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  };
  var act = function (action) {
    if (current < 0) {
      return;
    }
    var button = items[current].querySelector('button[formaction$="/' + action + '"]');
    if (!button) {
      return;
    }
    // After the page comes back, the comment now at this place is the one in hand.
    try { window.sessionStorage.setItem(REMEMBER, String(current)); } catch (e) { /* storage off: start over */ }
    button.click();
  };

  bind();
  // Comments the live notice added: the one in hand stays in hand, wherever they went.
  document.addEventListener("desk:items", function () {
    var held = current >= 0 ? items[current] : null;
    items = Array.prototype.slice.call(document.querySelectorAll("article.item[data-comment]"));
    bind();
    current = held ? items.indexOf(held) : -1;
  });
  help.addEventListener("close", function () {
    if (current >= 0) {
      items[current].focus();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || help.open || typing(event.target)) {
      return;
    }
    var key = event.key;
    if (key === "j") {
      go(current + 1);
    } else if (key === "k") {
      go(current < 0 ? 0 : current - 1);
    } else if (ACTIONS[key]) {
      act(ACTIONS[key]);
    } else if (key === "?") {
      help.showModal();
    } else {
      return;
    }
    event.preventDefault();
  });

  var remembered = null;
  try {
    remembered = window.sessionStorage.getItem(REMEMBER);
    window.sessionStorage.removeItem(REMEMBER);
  } catch (e) { /* storage off */ }
  if (remembered !== null && /^[0-9]+$/.test(remembered)) {
    go(Number(remembered));
  }
})();


// The live queue: the desk's stream (/moderate/events) names each comment that took a place in a list
// ({"id", "post", "status", "reported"}, never its text). Those of the list on screen that the page does
// not show are counted in a notice over the queue ("2 new comments - show"), which moves nothing; "show"
// reads the page again and adds the new items where the queue has them, leaving every other item (its
// selection, the one in hand, an open form) as it was. The stream closes while the tab is hidden and
// reopens from its last event id; a failure reconnects with backoff; without EventSource nothing changes.
(function () {
  "use strict";
  var slot = document.querySelector("[data-desk-live]");
  if (!slot || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var view = { status: slot.getAttribute("data-status"), post: slot.getAttribute("data-post"),
               reported: slot.hasAttribute("data-reported") };
  var live = { source: null, last: slot.getAttribute("data-since"), wait: 1000, timer: null };
  var fresh = {}, reset = false;
  var box = document.createElement("span");
  box.className = "live-box";
  box.setAttribute("aria-live", "polite");
  var notice = document.createElement("button");
  notice.type = "button";
  notice.className = "live-notice";
  notice.hidden = true;
  box.appendChild(notice);
  (document.querySelector(".bulkbar") || slot).appendChild(box);

  var shown = function (id) { return document.querySelector('article.item[data-comment="' + id + '"]'); };
  var update = function () {
    var n = Object.keys(fresh).length;
    notice.hidden = n === 0 && !reset;
    var told = n === 1 ? "1 new comment" : n ? n + " new comments" : "The queue may have changed";
    notice.textContent = "";
    notice.appendChild(document.createTextNode(told + " - "));
    var act = document.createElement("span");
    act.className = "live-show";
    act.textContent = "show";
    notice.appendChild(act);
  };
  var queued = function (event) {
    live.last = event.lastEventId || live.last;
    var d;
    try { d = JSON.parse(event.data); } catch (e) { return; }
    if (!d || typeof d.id !== "number" || (view.post && d.post !== view.post)) {
      return;
    }
    var fits = view.reported ? d.reported && (!view.status || d.status === view.status) : d.status === view.status;
    var listed = view.reported ? d.status === "pending" || d.status === "approved" : fits;
    if (fits && !shown(d.id)) {
      fresh[d.id] = true;
    } else if (!listed) {
      delete fresh[d.id]; /* taken elsewhere (another moderator): no longer new here */
    }
    update();
  };

  var swap = function (doc, selector) {
    var mine = document.querySelector(selector), theirs = doc.querySelector(selector);
    if (mine && theirs) {
      mine.replaceWith(document.importNode(theirs, true));
    }
  };
  var show = function () {
    notice.disabled = true;
    window.fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (answer) {
        if (!answer.ok) { throw new Error(String(answer.status)); }
        return answer.text();
      })
      .then(function (html) {
        var doc = new window.DOMParser().parseFromString(html, "text/html");
        var list = document.querySelector("ol.queue"), theirs = doc.querySelector("ol.queue");
        var form = document.getElementById("queue-form");
        if (!list || !theirs || !form) {
          window.location.reload(); /* an empty queue: nothing on screen to keep */
          return;
        }
        var before = null;
        Array.prototype.forEach.call(theirs.children, function (li) {
          var id = li.querySelector("article.item[data-comment]");
          id = id && id.getAttribute("data-comment");
          var mine = id && shown(id);
          if (mine) {
            before = mine.closest("li");
            return;
          }
          var added = document.importNode(li, true);
          if (before) { before.after(added); } else { list.prepend(added); }
          before = added;
          var ban = doc.getElementById("ban-" + id);
          if (ban && !document.getElementById("ban-" + id)) { form.after(document.importNode(ban, true)); }
        });
        swap(doc, "ul.tabs");
        swap(doc, "nav.pager");
        document.title = doc.title;
        fresh = {};
        reset = false;
        update();
        document.dispatchEvent(new window.CustomEvent("desk:items"));
        // The notice took the focus and went: it goes back to the comment in hand, where the review was.
        var hand = document.querySelector("article.item.kbd-current");
        if (hand && (document.activeElement === notice || document.activeElement === document.body)) {
          hand.focus({ preventScroll: true });
        }
      })
      .catch(function () { window.location.reload(); })
      .then(function () { notice.disabled = false; });
  };
  notice.addEventListener("click", show);

  var close = function () {
    slot.setAttribute("data-live", "closed");
    if (live.timer) { window.clearTimeout(live.timer); live.timer = null; }
    if (live.source) {
      live.last = live.source.lastEventId || live.last;
      live.source.close();
      live.source = null;
    }
  };
  var open = function () {
    if (live.source || document.hidden) {
      return;
    }
    var source;
    try {
      source = new window.EventSource(slot.getAttribute("data-desk-live") +
        (live.last ? "?last_event_id=" + encodeURIComponent(live.last) : ""));
    } catch (e) { return; }
    live.source = source;
    source.addEventListener("queued", queued);
    source.addEventListener("reset", function (event) {
      live.last = event.lastEventId || live.last;
      reset = true; /* what was missed is no longer kept: the page may be behind */
      update();
    });
    source.onopen = function () { live.wait = 1000; slot.setAttribute("data-live", "open"); };
    source.onerror = function () {
      if (source.readyState !== 2) { return; } /* the browser reconnects by itself, with Last-Event-ID */
      close();
      live.timer = window.setTimeout(open, live.wait);
      live.wait = Math.min(live.wait * 2, 60000);
    };
  };
  document.addEventListener("visibilitychange", function () { if (document.hidden) { close(); } else { open(); } });
  update();
  open();
})();
