// The sales-order editor: add and remove item rows without a reload. The running total is the
// server's (htmx posts the form as the rep types); this only tells htmx when rows come or go.
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

  form.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var index = Number(form.dataset.nextIndex || "0");
      form.dataset.nextIndex = String(index + 1);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      changed();
      var fresh = rows.lastElementChild;
      var description = fresh && fresh.querySelector("input[name$='-description']");
      if (description) description.focus();
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
