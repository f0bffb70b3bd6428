// Filters the requirements table by status, priority and owner. Without JavaScript the
// whole table is shown and the filter controls stay hidden.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var table = document.getElementById("requirements-table");
  if (!form || !table) { return; }
  var selects = form.querySelectorAll("select[data-filter]");
  var rows = table.querySelectorAll("tbody tr");
  var count = document.getElementById("filter-count");

  function apply() {
    var shown = 0;
    rows.forEach(function (row) {
      var visible = Array.prototype.every.call(selects, function (select) {
        return !select.value || row.dataset[select.dataset.filter] === select.value;
      });
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    count.textContent = count.dataset.template
      .replace("{shown}", shown).replace("{total}", rows.length);
  }

  selects.forEach(function (select) { select.addEventListener("change", apply); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
}());
