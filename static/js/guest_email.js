// "Get the album link when it's ready" on the upload card
// (templates/photos/_guest_email.html, photos/email_views.py guest_email).
// Hidden until the guest's first photo or video is added: upload.js says so
// with a "partyshots:upload-added" event. The form posts with fetch and the
// card then says "We'll email you the link ..."; a refusal (not an address,
// too many tries) shows under the field. Without JavaScript the form posts
// the page and the album page shows the same line as a message.
(function () {
  "use strict";

  var box = document.querySelector("[data-guest-email]");
  if (!box) return;
  document.addEventListener("partyshots:upload-added", function () {
    box.hidden = false;
  });

  var form = box.querySelector("form[data-guest-email-form]");
  if (!form || !window.fetch || !window.FormData) return;
  var error = form.querySelector("[data-guest-email-error]");
  var status = box.querySelector("[data-guest-email-status]");
  var button = form.querySelector("button[type=submit]");
  var field = form.elements.email;

  function refused(message) {
    error.textContent = message;
    field.setAttribute("aria-invalid", "true");
    button.disabled = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    error.textContent = "";
    field.removeAttribute("aria-invalid");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      headers: {"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"},
      body: new FormData(form),
      credentials: "same-origin",
      cache: "no-store",
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok && body.message) {
          status.textContent = body.message; // a live region from the start: it is heard
          form.remove();
        } else {
          refused(body.error || interpolate(gettext("That didn't work (HTTP %(status)s). Please try again."), {status: response.status}, true));
        }
      });
    }).catch(function () {
      refused(gettext("No connection. Please try again."));
    });
  });
})();
