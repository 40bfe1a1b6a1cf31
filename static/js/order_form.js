// The sales-order editor: add, duplicate and remove item rows and pick recent items without a reload.
// The running total and margins are the server's (htmx posts the form as the rep types); this only
// tells htmx when rows come or go.
(function () {
  "use strict";

  var form = document.getElementById("order-form");
  var rows = document.getElementById("item-rows");
  var template = document.getElementById("item-row-template");
  if (!form || !rows || !template) return;

  function renumber() {
    rows.querySelectorAll("[data-item-row]").forEach(function (row, index) {
      row.querySelectorAll("[data-row-number]").forEach(function (number) {
        number.textContent = String(index + 1);
      });
    });
  }

  // An answer can be on its way while rows come or go: a total asked for on leaving a field is sent
  // as the click that removes its row begins. Such an answer counts rows the page no longer has (and
  // htmx would look for a removed row's amount, logging htmx:oobErrorNoTarget), so it is dropped:
  // the request rows-changed queues behind it brings the total of the rows there are.
  var rowsVersion = 0;
  var askedWithRows = new WeakMap();
  form.addEventListener("htmx:beforeRequest", function (event) {
    askedWithRows.set(event.detail.xhr, rowsVersion);
  });
  form.addEventListener("htmx:beforeSwap", function (event) {
    if (askedWithRows.get(event.detail.xhr) !== rowsVersion) event.detail.shouldSwap = false;
  });

  function changed() {
    renumber();
    rowsVersion += 1;
    form.dispatchEvent(new Event("rows-changed", { bubbles: true }));
  }

  // The fields of a row by their name without the row's prefix: items-3-unit_price is "unit_price".
  function field(row, name) {
    return row.querySelector("[name$='-" + name + "']");
  }

  var CARRIED = ["supplier", "tax_rate"];
  var COPIED = [
    "kind",
    "description",
    "supplier",
    "quantity",
    "unit_price",
    "unit_cost",
    "tax_rate",
    "supplier_product_id",
    "supplier_part_id",
    "supplier_units_per_pack",
  ];

  // A new row, placed after `after` (or last); it starts with the supplier and tax rate of the row
  // above it, as most orders are several items from one supplier.
  function newRow(after) {
    var index = Number(form.dataset.nextIndex || "0");
    form.dataset.nextIndex = String(index + 1);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var above = after || rows.querySelector("[data-item-row]:last-of-type");
    if (after) after.insertAdjacentHTML("afterend", html);
    else rows.insertAdjacentHTML("beforeend", html);
    var fresh = after ? after.nextElementSibling : rows.lastElementChild;
    if (above) {
      CARRIED.forEach(function (name) {
        var from = field(above, name);
        var to = field(fresh, name);
        if (from && to && from.value) to.value = from.value;
      });
    }
    return fresh;
  }

  function isBlank(row) {
    return ["description", "quantity", "unit_price", "unit_cost"].every(function (name) {
      var input = field(row, name);
      return !input || !input.value.trim();
    });
  }

  function focusOn(row, name) {
    var input = row && field(row, name);
    if (input) input.focus();
  }

  form.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var fresh = newRow(null);
      changed();
      focusOn(fresh, "description");
      return;
    }
    var duplicate = event.target.closest("[data-duplicate-row]");
    if (duplicate) {
      var original = duplicate.closest("[data-item-row]");
      var copy = newRow(original);
      COPIED.forEach(function (name) {
        var from = field(original, name);
        var to = field(copy, name);
        if (from && to) to.value = from.value;
      });
      changed();
      focusOn(copy, "quantity");
      return;
    }
    // A recent item fills the last row if it is still blank, or a new one; the rep types the quantity.
    var pick = event.target.closest("[data-pick]");
    if (pick) {
      var last = rows.querySelector("[data-item-row]:last-of-type");
      var target = last && isBlank(last) ? last : newRow(null);
      var values = {
        kind: pick.dataset.kind,
        description: pick.dataset.description,
        supplier: pick.dataset.supplier,
        unit_price: pick.dataset.unitPrice,
        unit_cost: pick.dataset.unitCost,
        tax_rate: pick.dataset.taxRate,
      };
      Object.keys(values).forEach(function (name) {
        var input = field(target, name);
        if (input && values[name] !== undefined) input.value = values[name];
      });
      changed();
      focusOn(target, "quantity");
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var row = remove.closest("[data-item-row]");
      if (row) row.remove();
      changed();
      var addButton = form.querySelector("[data-add-row]");
      if (addButton) addButton.focus();
    }
  });
})();
