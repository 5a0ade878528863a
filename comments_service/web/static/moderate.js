// The moderation page works without this file; it adds "select all on this page",
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
