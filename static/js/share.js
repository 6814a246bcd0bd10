// Share page. Send the link with the phone's share sheet (Web Share API) when
// the browser has one, else Copy, which says "Link copied". The card size
// picker switches the printed card at once; Print prints it. Without
// JavaScript: the link to select by hand, the size form, the browser's Print.
(function () {
  "use strict";

  var link = document.querySelector("[data-share-link]");
  var shareButton = document.querySelector("[data-share]");
  var copyButton = document.querySelector("[data-copy]");
  var status = document.querySelector("[data-share-status]");

  // Copy and the status line are static/js/copy.js's, loaded first.
  var copying = window.partyShotsCopy;
  function say(message) { copying.say(status, message); }
  function copy() { return copying.copy(link, status); }

  if (link && status) {
    var canShare = typeof navigator.share === "function";
    if (shareButton && canShare) {
      shareButton.hidden = false;
      shareButton.addEventListener("click", function () {
        status.textContent = "";
        var data = {
          title: shareButton.getAttribute("data-share-title"),
          text: shareButton.getAttribute("data-share-text"),
          url: link.value
        };
        var sent;
        try {
          sent = navigator.share(data);
        } catch (error) {
          sent = Promise.reject(error);
        }
        sent.then(function () {
          say(gettext("Link sent"));
        }, function (error) {
          // Closing the share sheet is no failure; anything else falls back to Copy.
          if (!error || error.name !== "AbortError") { copy(); }
        });
      });
    }
    if (copyButton) {
      copyButton.hidden = false;
      if (!canShare) { copyButton.classList.remove("button-secondary"); }
      copyButton.addEventListener("click", copy);
    }
  }

  // Card size: the sheet's class picks the printed page size (static/css/share.css).
  var form = document.querySelector("[data-card-size-form]");
  var sheet = document.querySelector("[data-card-sheet]");
  if (form && sheet) {
    var show = form.querySelector("[data-card-size-show]");
    if (show) { show.hidden = true; }
    form.addEventListener("change", function (event) {
      var size = event.target.value;
      if (!/^a[456]$/.test(size)) { return; }
      sheet.className = sheet.className.replace(/\bcard-sheet-a\d\b/, "card-sheet-" + size);
      var url = new URL(window.location.href);
      url.searchParams.set("card", size);
      window.history.replaceState(null, "", url);
    });
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
