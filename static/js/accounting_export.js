// Export to accounting on the Invoices Report. The box in the Number heading ticks every row of the
// page. The form downloads its file without leaving the page, then says what was exported and what was
// left out, and shows the exported rows as Exported. Without JavaScript the form posts the plain way:
// the file downloads and the same summary is shown on the next page.
(function () {
  "use strict";

  var form = document.querySelector("form[data-accounting-export]");
  if (!form || !window.fetch) return;
  var rowBoxes = function () {
    return Array.prototype.slice.call(document.querySelectorAll('input.pick[form="' + form.id + '"]'));
  };

  var pickPage = document.querySelector("[data-pick-page]");
  if (pickPage) {
    var sync = function () {
      var boxes = rowBoxes();
      var ticked = boxes.filter(function (box) { return box.checked; }).length;
      pickPage.checked = boxes.length > 0 && ticked === boxes.length;
      pickPage.indeterminate = ticked > 0 && ticked < boxes.length;
    };
    pickPage.hidden = false;
    pickPage.addEventListener("change", function () {
      rowBoxes().forEach(function (box) { box.checked = pickPage.checked; });
    });
    document.addEventListener("change", function (event) {
      if (event.target !== pickPage && event.target.classList && event.target.classList.contains("pick")) sync();
    });
    sync();
  }

  var status = form.querySelector("[data-export-status]");
  var button = form.querySelector('button[type="submit"]');
  var busy = false;

  function save(blob, disposition) {
    var match = /filename="([^"]+)"/.exec(disposition);
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = match ? match[1] : "invoices.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
  }

  function showExported(response) {
    status.textContent = response.headers.get("X-Export-Summary") || "Exported.";
    (response.headers.get("X-Exported-Invoices") || "").split(",").forEach(function (id) {
      var box = rowBoxes().filter(function (candidate) { return candidate.value === id; })[0];
      if (!box) return;
      box.checked = false;
      var pill = box.closest("tr").querySelector("td:nth-child(3) .pill");
      // Open and sent invoices became Exported; exported and paid ones kept their status.
      if (pill && (pill.classList.contains("open") || pill.classList.contains("sent_to_client"))) {
        pill.className = "pill exported";
        pill.textContent = "Exported";
      }
    });
    if (pickPage) pickPage.checked = pickPage.indeterminate = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) return;
    busy = true;
    button.disabled = true;
    status.textContent = "Exporting…";
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        var disposition = response.headers.get("Content-Disposition") || "";
        if (!response.ok || disposition.indexOf("attachment") !== 0) throw new Error("refused");
        return response.blob().then(function (blob) {
          save(blob, disposition);
          showExported(response);
          busy = false;
          button.disabled = false;
        });
      })
      .catch(function () {
        // Refused (nothing was exported): post the plain way, so the page shows why next to the field.
        status.textContent = "";
        HTMLFormElement.prototype.submit.call(form);
      });
  });
})();
