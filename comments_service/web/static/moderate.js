// The moderation page works without this file; it adds "select all on this page",
// keyboard shortcuts (below),
// a count of the selection, and a confirmation before deleting for good.
(function () {
  "use strict";
  var form = document.getElementById("queue-form");
  if (form) {
    var all = form.querySelector("[data-select-all]");
    var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="ids"]'));
    var counter = form.querySelector("[data-selected-count]");
    var bulk = Array.prototype.slice.call(form.querySelectorAll(".bulk-buttons button"));

    var refresh = function () {
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
    boxes.forEach(function (box) { box.addEventListener("change", refresh); });
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

  items.forEach(function (item, i) {
    item.tabIndex = -1;
    item.addEventListener("focusin", function () { current = i; mark(); });
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
