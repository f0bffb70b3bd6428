// Sorts the agency overview by any column and filters it by stage, manager and text.
// Without JavaScript the whole table is shown in its default order.
(function () {
  "use strict";
  var table = document.getElementById("agency-table");
  var form = document.getElementById("agency-filters");
  if (!table || !form) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var count = document.getElementById("filter-count");
  var fields = form.querySelectorAll("[data-filter]");

  function cellValue(row, index, kind) {
    var value = row.cells[index].dataset.value || "";
    return kind === "number" ? parseFloat(value) || 0 : value;
  }

  function sortBy(header) {
    var index = header.cellIndex, kind = header.dataset.sortKind;
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th[aria-sort]").forEach(function (th) {
      th.setAttribute("aria-sort", "none");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.sort(function (a, b) {
      var x = cellValue(a, index, kind), y = cellValue(b, index, kind);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function filter() {
    var shown = 0;
    rows.forEach(function (row) {
      var visible = Array.prototype.every.call(fields, function (field) {
        var wanted = field.value.trim().toLowerCase();
        if (!wanted) { return true; }
        var have = row.dataset[field.dataset.filter] || "";
        return field.dataset.filter === "text" ? have.indexOf(wanted) !== -1
          : have.toLowerCase() === wanted;
      });
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    count.textContent = count.dataset.template
      .replace("{shown}", shown).replace("{total}", rows.length);
  }

  table.querySelectorAll("th[data-sort-key]").forEach(function (header) {
    var button = document.createElement("button");
    button.type = "button";
    while (header.firstChild) { button.appendChild(header.firstChild); }
    header.appendChild(button);
    button.addEventListener("click", function () { sortBy(header); });
  });
  fields.forEach(function (field) {
    field.addEventListener("input", filter);
    field.addEventListener("change", filter);
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  filter();
}());
