// A new album's time zone: the host's device's (Intl), in the form's hidden
// input[data-time-zone]; the server keeps it if it knows the zone, else uses
// the site's. The host can change it in the album's settings.
(function () {
  "use strict";

  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  if (!zone) return;
  document.querySelectorAll("input[data-time-zone]").forEach(function (input) {
    input.value = zone;
  });
})();
