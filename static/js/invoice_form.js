// The invoicing pages' JavaScript: the Copy button of the client link on the invoice page, and on
// the create-invoice page live line amounts, totals, the partial/final preview and a Remove button per row. The server computes the same figures on every render; this keeps them current while
// typing. Money is counted in whole cents with BigInt, each line's tax rounded half-up, as the
// issued invoice will be.
(function () {
  "use strict";

  // Copy link: shown only when the clipboard can be written; the field stays selectable without it.
  Array.prototype.forEach.call(document.querySelectorAll("[data-copy-target]"), function (button) {
    var source = document.getElementById(button.dataset.copyTarget);
    if (!source || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(
        function () {
          button.textContent = "Copied";
          window.setTimeout(function () {
            button.textContent = "Copy link";
          }, 2000);
        },
        function () {
          source.select();
        }
      );
    });
    source.addEventListener("focus", function () {
      source.select();
    });
  });
})();

(function () {
  "use strict";

  var form = document.querySelector("[data-invoice-form]");
  if (!form || typeof BigInt !== "function") {
    return;
  }
  var rows = Array.prototype.slice.call(form.querySelectorAll("tr[data-row]"));
  var orderNumber = form.dataset.orderNumber || "the order";

  function formatCents(cents) {
    var negative = cents < 0n;
    var absolute = negative ? -cents : cents;
    var whole = (absolute / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var fraction = (absolute % 100n).toString().padStart(2, "0");
    return (negative ? "-" : "") + whole + "." + fraction;
  }

  // A quantity the server would accept for this row, or null with the reason it would not.
  function readQuantity(row) {
    var input = row.querySelector("[data-quantity]");
    var remaining = parseInt(row.dataset.remaining, 10);
    var raw = input.value.trim();
    if (raw === "") {
      return { quantity: null, error: "Enter a quantity from 0 to " + remaining + ", or leave the row out." };
    }
    if (!/^\d+$/.test(raw)) {
      return { quantity: null, error: "Enter a whole number from 0 to " + remaining + "." };
    }
    var quantity = parseInt(raw, 10);
    if (quantity > remaining) {
      return { quantity: null, error: row.dataset.refusal };
    }
    return { quantity: quantity, error: "" };
  }

  function showRowError(row, message) {
    var error = row.querySelector("[data-row-error]");
    var input = row.querySelector("[data-quantity]");
    error.textContent = message;
    error.hidden = !message;
    row.classList.toggle("invalid", Boolean(message));
    if (message) {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
  }

  function recompute() {
    var subtotal = 0n;
    var tax = 0n;
    var anyLine = false;
    var anyInvalid = false;
    var final = true;
    var unitsAfter = 0;
    var amountAfter = 0n;

    rows.forEach(function (row) {
      var included = row.querySelector("[data-include]").checked;
      var remaining = parseInt(row.dataset.remaining, 10);
      var unitCents = BigInt(row.dataset.unitPriceCents);
      var taxBasisPoints = BigInt(row.dataset.taxRateBp);
      var quantity = 0;

      row.classList.toggle("removed", !included);
      row.querySelector("[data-quantity]").readOnly = !included;
      if (included) {
        var read = readQuantity(row);
        showRowError(row, read.error);
        if (read.error) {
          anyInvalid = true;
        } else {
          quantity = read.quantity;
        }
      } else {
        showRowError(row, "");
      }

      var amount = BigInt(quantity) * unitCents;
      // tax = amount × rate / 100, rate in hundredths of a percent; half-up on the whole cent.
      var lineTax = (amount * taxBasisPoints + 5000n) / 10000n;
      row.querySelector("[data-line-amount]").textContent = included ? formatCents(amount) : "\u2014";
      row.querySelector("[data-line-tax]").textContent = included ? formatCents(lineTax) : "\u2014";
      subtotal += amount;
      tax += lineTax;
      if (quantity > 0) {
        anyLine = true;
      }
      if (remaining - quantity !== 0) {
        final = false;
      }
      unitsAfter += remaining - quantity;
      amountAfter += BigInt(remaining - quantity) * unitCents;
    });

    form.querySelector("[data-subtotal]").textContent = formatCents(subtotal);
    form.querySelector("[data-tax]").textContent = formatCents(tax);
    form.querySelector("[data-total]").textContent = formatCents(subtotal + tax);

    // The question the Issue button asks in the dialog, in the server's words for the same figures.
    var issueButton = form.querySelector("[data-issue]");
    var total = formatCents(subtotal + tax);
    if (anyInvalid || !anyLine) {
      issueButton.removeAttribute("data-confirm-dialog");
    } else if (final) {
      issueButton.dataset.confirmDialog =
        "Issue the final invoice for " + total + "? Nothing will remain to invoice on " + orderNumber + ".";
    } else {
      issueButton.dataset.confirmDialog =
        "Issue an invoice for " + total + "? After it, " + formatCents(amountAfter) +
        " (net) will remain to invoice on " + orderNumber + ".";
    }

    var preview = form.querySelector("[data-kind-preview]");
    var label = preview.querySelector("[data-kind-label]");
    var detail = preview.querySelector("[data-kind-detail]");
    preview.classList.remove("partial", "final");
    if (anyInvalid) {
      label.textContent = "Check the quantities";
      detail.textContent = "A quantity above is not one that can be invoiced; the totals leave it out.";
    } else if (!anyLine) {
      label.textContent = "Nothing to invoice yet";
      detail.textContent = "Include at least one item with a quantity of 1 or more.";
    } else if (final) {
      preview.classList.add("final");
      label.textContent = "This will be the final invoice";
      detail.textContent = "Nothing will remain to invoice on " + orderNumber + "; the order will move to Invoiced.";
    } else {
      preview.classList.add("partial");
      label.textContent = "This will be a partial invoice";
      detail.textContent =
        "After it, " + unitsAfter + " unit" + (unitsAfter === 1 ? "" : "s") + " worth " + formatCents(amountAfter) +
        " (net) will remain to invoice on " + orderNumber + ".";
    }
  }

  function setRemoveButton(row) {
    var button = row.querySelector("[data-remove]");
    var included = row.querySelector("[data-include]").checked;
    var description = row.dataset.description;
    button.textContent = included ? "Remove" : "Put back";
    button.setAttribute("aria-label", (included ? "Remove " : "Put back ") + description);
    button.classList.toggle("danger", included);
  }

  rows.forEach(function (row) {
    var checkbox = row.querySelector("[data-include]");
    var button = row.querySelector("[data-remove]");
    var input = row.querySelector("[data-quantity]");
    // With JavaScript the Include box gives way to a Remove / Put back button; the box still carries
    // the choice when the form is sent.
    row.querySelector("[data-include-label]").hidden = true;
    button.hidden = false;
    setRemoveButton(row);
    button.addEventListener("click", function () {
      checkbox.checked = !checkbox.checked;
      setRemoveButton(row);
      recompute();
      (checkbox.checked ? input : button).focus();
    });
    checkbox.addEventListener("change", function () {
      setRemoveButton(row);
      recompute();
    });
    input.addEventListener("input", recompute);
  });

  // A second click while the first submit is on its way would only be refused; say it is on its way.
  var issue = form.querySelector("[data-issue]");
  var issueLabel = issue.textContent;
  form.addEventListener("submit", function (event) {
    window.setTimeout(function () {
      // Held back by the confirmation dialog, or saved as a draft: the button stays as it was.
      if (event.defaultPrevented || (event.submitter && event.submitter !== issue)) {
        return;
      }
      issue.disabled = true;
      issue.textContent = "Issuing…";
    }, 0);
  });
  // Coming back with the browser's Back button shows the page as it was left: make it usable again.
  window.addEventListener("pageshow", function () {
    issue.disabled = false;
    issue.textContent = issueLabel;
  });

  recompute();
})();
