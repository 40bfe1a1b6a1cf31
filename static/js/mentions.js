// @mention suggestions for note fields: type @ and the start of a name, pick a colleague, get "@username ".
(function () {
  "use strict";

  // An @ at a word start followed by what is typed so far (the same characters the server accepts).
  var TOKEN = /(^|[^\w@.+-])@([\w.+-]*)$/;
  var DELAY_MS = 150;

  function setUp(textarea) {
    var list = document.getElementById(textarea.getAttribute("aria-controls"));
    if (!list) return;
    var timer = null;
    var asked = null;

    function token() {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = TOKEN.exec(before);
      if (!match) return null;
      return { query: match[2], start: before.length - match[2].length - 1, end: textarea.selectionStart };
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      textarea.setAttribute("aria-expanded", "false");
      asked = null;
    }

    function options() {
      return Array.prototype.slice.call(list.querySelectorAll("button[data-username]"));
    }

    function pick(username) {
      var found = token();
      if (!found) { close(); return; }
      var insert = "@" + username + " ";
      textarea.value = textarea.value.slice(0, found.start) + insert + textarea.value.slice(found.end);
      var caret = found.start + insert.length;
      close();
      textarea.focus();
      textarea.setSelectionRange(caret, caret);
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }

    function show(people, query) {
      list.textContent = "";
      people.forEach(function (person) {
        var item = document.createElement("li");
        item.setAttribute("role", "none");
        var button = document.createElement("button");
        button.type = "button";
        button.setAttribute("role", "option");
        button.dataset.username = person.username;
        button.textContent = person.name + " ";
        var handle = document.createElement("span");
        handle.className = "handle";
        handle.textContent = "@" + person.username;
        button.appendChild(handle);
        item.appendChild(button);
        list.appendChild(item);
      });
      if (!people.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = "No active colleague matches @" + query + ".";
        list.appendChild(none);
      }
      list.hidden = false;
      textarea.setAttribute("aria-expanded", "true");
    }

    function lookUp() {
      var found = token();
      if (!found) { close(); return; }
      if (found.query === asked) return;
      asked = found.query;
      var url = textarea.dataset.mentions + "?format=json&q=" + encodeURIComponent(found.query);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          var still = token();
          if (still && still.query === found.query) show(data.results || [], found.query);
        })
        .catch(function () { close(); });
    }

    textarea.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookUp, DELAY_MS);
    });
    textarea.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      var choices = options();
      if (event.key === "ArrowDown" && choices.length) {
        event.preventDefault();
        choices[0].focus();
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      } else if ((event.key === "Enter" || event.key === "Tab") && choices.length === 1) {
        event.preventDefault();
        pick(choices[0].dataset.username);
      }
    });
    list.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-username]");
      if (button) pick(button.dataset.username);
    });
    list.addEventListener("keydown", function (event) {
      var choices = options();
      var index = choices.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && index < choices.length - 1) {
        event.preventDefault();
        choices[index + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (index > 0) choices[index - 1].focus(); else textarea.focus();
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
        textarea.focus();
      }
    });
    textarea.addEventListener("blur", function () {
      // Leave time for a click on a suggestion before closing the list.
      window.setTimeout(function () {
        if (!list.contains(document.activeElement) && document.activeElement !== textarea) close();
      }, 200);
    });
  }

  function init() {
    document.querySelectorAll("textarea[data-mentions]").forEach(setUp);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
