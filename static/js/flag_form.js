// The Flag backorder form: the note says what can be invoiced now, kept in step with the ticked rows
// until the user writes in it. The same text as flag_note_text() in backorders/forms.py.
(function () {
  "use strict";

  function init() {
    var form = document.getElementById("flag-form");
    var source = document.getElementById("flag-data");
    if (!form || !source) return;
    var data = JSON.parse(source.textContent);
    var note = form.querySelector("textarea[name=note]");
    var composeButton = form.querySelector("[data-compose-note]");
    var rows = Array.prototype.slice.call(form.querySelectorAll("tr[data-po-item]"));

    function rowInputs(row) {
      return {
        tick: row.querySelector("input[type=checkbox]"),
        quantity: row.querySelector("input[type=number]"),
        expected: row.querySelector("input[type=date]"),
      };
    }

    function compose() {
      var backordered = {};
      rows.forEach(function (row) {
        var inputs = rowInputs(row);
        var quantity = parseInt(inputs.quantity.value, 10);
        row.classList.toggle("ticked", inputs.tick.checked);
        if (inputs.tick.checked && quantity > 0) {
          backordered[data.poItems[row.dataset.poItem]] = { quantity: quantity, expected: inputs.expected.value };
        }
      });
      var ready = [];
      var waiting = [];
      data.items.forEach(function (item) {
        var held = backordered[item.id] || { quantity: 0, expected: "" };
        var now = Math.max(item.ready - held.quantity, 0);
        if (now) ready.push(now + " × " + item.description);
        if (held.quantity) {
          waiting.push(held.quantity + " × " + item.description + (held.expected ? " expected " + held.expected : ""));
        }
      });
      var parts = [];
      if (data.mentions.length) parts.push(data.mentions.map(function (name) { return "@" + name; }).join(" "));
      parts.push(ready.length ? "Ready to invoice now: " + ready.join(", ") + "." : "Nothing is ready to invoice yet.");
      if (waiting.length) parts.push("Backordered: " + waiting.join(", ") + ".");
      return parts.join(" ") + " ";
    }

    // The note follows the rows only while it still holds the composed text.
    var composed = note.value === compose() ? note.value : null;

    form.addEventListener("input", function (event) {
      if (event.target === note) return;
      var row = event.target.closest("tr[data-po-item]");
      if (row && event.target.type === "number" && event.target.value) {
        rowInputs(row).tick.checked = true;  // a quantity means the row is meant
      }
      var text = compose();
      if (composed !== null && note.value === composed) {
        note.value = text;
        composed = text;
      }
    });
    form.addEventListener("change", function (event) {
      if (event.target.type === "checkbox" && event.target.checked) {
        var row = event.target.closest("tr[data-po-item]");
        if (row && !rowInputs(row).quantity.value) rowInputs(row).quantity.focus();
      }
    });
    if (composeButton) {
      // In the browser the note is rewritten in place; without JavaScript the button asks the server.
      composeButton.type = "button";
      composeButton.addEventListener("click", function () {
        composed = compose();
        note.value = composed;
        note.focus();
      });
    }
  }

  // A refused flag comes back with its errors: the first one is brought into view and focused, so the
  // user (and a screen reader) starts where the fix is needed.
  function focusFirstError() {
    var form = document.getElementById("flag-form");
    var summary = form && form.querySelector("[data-testid=flag-errors]");
    if (!summary) return;
    var target = form.querySelector("[aria-invalid=true]");
    if (!target) {
      var error = form.querySelector(".field-error");
      var holder = error && (error.closest(".field") || error.closest("td") || error.closest("fieldset"));
      target = holder && holder.querySelector("input:not([type=hidden]), select, textarea");
    }
    target = target || summary;
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "center" });
  }

  function start() {
    init();
    // After the load: scrolling to the form's #flag target resets the focus, so it must come first.
    if (document.readyState === "complete") setTimeout(focusFirstError, 0);
    else window.addEventListener("load", function () { setTimeout(focusFirstError, 0); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
