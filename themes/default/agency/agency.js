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

  // Money sorts within a currency: by currency code, then amount; no amount sorts last.
  function compare(a, b, kind) {
    if (kind !== "money") { return a < b ? -1 : a > b ? 1 : 0; }
    if (!a || !b) { return a ? -1 : b ? 1 : 0; }
    var x = a.split(" "), y = b.split(" ");
    if (x[0] !== y[0]) { return x[0] < y[0] ? -1 : 1; }
    return parseFloat(x[1]) - parseFloat(y[1]);
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
      var order = compare(x, y, kind);
      if (kind === "money" && (!x || !y)) { return order; }  // empty last either way
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
