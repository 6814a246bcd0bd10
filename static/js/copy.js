// Copy buttons: a [data-copy-button] copies the [data-copy-source] field of
// its [data-copy-group] (else its section) and says so in the group's
// [data-copy-status]: the hosts' slideshow link and each pending co-host
// invitation on the album settings. Without JavaScript the button stays
// hidden and the field is there to select by hand.
(function () {
  "use strict";

  function say(status, message) {
    if (!status) return;
    status.textContent = "";
    // A fresh text node each time, so a screen reader repeats the same words.
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function copyWithSelection(field) {
    field.focus();
    field.select();
    field.setSelectionRange(0, field.value.length);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  document.querySelectorAll("[data-copy-button]").forEach(function (button) {
    var section = button.closest("[data-copy-group]") || button.closest("section") || document;
    var field = section.querySelector("[data-copy-source]");
    var status = section.querySelector("[data-copy-status]");
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var copied = navigator.clipboard && window.isSecureContext
        ? navigator.clipboard.writeText(field.value).then(function () { return true; }, function () { return copyWithSelection(field); })
        : Promise.resolve(copyWithSelection(field));
      copied.then(function (ok) {
        say(status, ok ? gettext("Link copied") : gettext("Select the link above and copy it"));
        if (!ok) { field.focus(); field.select(); }
      });
    });
  });
})();
