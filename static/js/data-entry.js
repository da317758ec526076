// The unit page's data entry (track_detail.html). No rule of the data lives here:
// achievement, category and warnings come from the server (htmx, track_value_preview).
(function () {
  "use strict";

  // The server puts `autofocus` on the first field it refused; this moves the focus there
  // too where the browser did not (a page shown again after a refused save may keep its
  // scroll position), and brings it into view.
  function focusFirstError() {
    var first = document.querySelector('#values-form [aria-invalid="true"]');
    if (first) {
      if (document.activeElement !== first) {
        first.focus();
      }
      first.scrollIntoView({block: "center"});
    }
  }

  // Once the form is sent, a preview still waiting for the person to stop typing is of no
  // use: it is not sent (it would only race the save).
  var sending = false;
  document.addEventListener("submit", function (event) {
    if (event.target && event.target.id === "values-form") {
      sending = true;
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (sending) {
      event.preventDefault();
    }
  });
  window.addEventListener("pageshow", function () {
    sending = false;  // back from the browser's history: the page is live again
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusFirstError);
  } else {
    focusFirstError();
  }
})();
