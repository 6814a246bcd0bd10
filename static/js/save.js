// "Save to your phone" on the album page: where the share sheet takes files
// (phones: navigator.canShare({files})), the Select button ([data-save-select])
// shows. In select mode a tap on a tile ticks it instead of opening it (the
// owner's own moderation boxes are the ticks; others get the same boxes, with
// no name, outside any form), and a bar at the bottom offers "Save N to your
// phone": the files this person may download (album_save_json: a HEIC photo as
// its JPEG rendition) are fetched and handed to navigator.share({files}), whose
// "Save to Photos" / "Save images" puts them in the gallery without a ZIP. A
// share sheet needs a fresh tap: when fetching took too long for the browser,
// the bar asks for one more tap with the files ready. At most MAX at a time.
(function () {
  "use strict";

  var MAX = 20;
  var button = document.querySelector("[data-save-select]");
  if (!button || !window.fetch || !window.File || !navigator.canShare || !navigator.share) return;
  try {
    if (!navigator.canShare({ files: [new File([""], "a.jpg", { type: "image/jpeg" })] })) return;
  } catch (error) {
    return;
  }

  var selecting = false;
  var ready = null;       // {ids: "1,2", files: [File]} fetched, waiting for a tap
  var busy = false;

  var bar = document.createElement("div");
  bar.className = "save-bar";
  bar.hidden = true;
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", gettext("Save to your phone"));
  var message = document.createElement("p");
  message.className = "save-message";
  message.setAttribute("aria-live", "polite");
  var save = document.createElement("button");
  save.type = "button";
  save.className = "button";
  save.setAttribute("data-save-button", "");
  var cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "button button-secondary";
  cancel.textContent = gettext("Done");
  bar.appendChild(message);
  bar.appendChild(save);
  bar.appendChild(cancel);
  document.body.appendChild(bar);

  function grid() { return document.querySelector("[data-photo-grid]"); }

  function boxOf(tile) {
    return tile.querySelector("input[name=photos]") || tile.querySelector("input[data-save-box]");
  }

  // Every tile gets a box in select mode, tiles added while scrolling too.
  function addBoxes() {
    var list = grid();
    if (!list) return;
    Array.prototype.forEach.call(list.querySelectorAll("li[data-photo-id]"), function (tile) {
      if (boxOf(tile)) return;
      var label = document.createElement("label");
      label.className = "photo-select";
      var input = document.createElement("input");
      input.type = "checkbox";
      input.value = tile.getAttribute("data-photo-id");
      input.setAttribute("data-save-box", "");
      var text = document.createElement("span");
      text.className = "visually-hidden";
      var img = tile.querySelector("img");
      // Translators: a photo's checkbox, "Select <the photo's description>" to a screen reader.
      text.textContent = img ? interpolate(gettext("Select %(photo)s"), { photo: img.alt }, true)
        : interpolate(gettext("Select photo %(number)s"), { number: input.value }, true);
      label.appendChild(input);
      label.appendChild(text);
      tile.appendChild(label);
    });
  }

  function selectedIds() {
    var list = grid();
    if (!list) return [];
    return Array.prototype.map.call(
      list.querySelectorAll("input[name=photos]:checked, input[data-save-box]:checked"),
      function (input) { return input.value; }
    );
  }

  function say(text) { message.textContent = text || ""; }

  function update() {
    if (busy) return;
    var ids = selectedIds();
    if (ready && ready.ids !== ids.join(",")) ready = null;
    var n = ids.length;
    save.disabled = n === 0;
    if (ready) save.textContent = interpolate(ngettext("Ready: tap to save %(count)s", "Ready: tap to save %(count)s", n), { count: n }, true);
    else save.textContent = interpolate(ngettext("Save %(count)s to your phone", "Save %(count)s to your phone", n), { count: n }, true);
    if (n > MAX) say(interpolate(ngettext("You can save up to %(count)s at a time: untick some, or use Download all.", "You can save up to %(count)s at a time: untick some, or use Download all.", MAX), { count: MAX }, true));
    else if (!n) say(gettext("Tap photos to pick them."));
    else if (!ready) say("");
  }

  function setSelecting(on) {
    selecting = on;
    document.body.classList.toggle("is-selecting", on);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    bar.hidden = !on;
    if (on) addBoxes();
    else {
      ready = null;
      Array.prototype.forEach.call(document.querySelectorAll("input[data-save-box]"), function (input) {
        input.parentNode.remove();
      });
    }
    update();
  }

  button.hidden = false;
  button.setAttribute("aria-pressed", "false");
  button.addEventListener("click", function () { setSelecting(!selecting); });
  cancel.addEventListener("click", function () { setSelecting(false); });

  // In select mode a tap on a tile ticks it; the viewer (viewer.js, listening
  // on the document) never sees it.
  document.addEventListener("click", function (event) {
    if (!selecting) return;
    var tile = event.target.closest && event.target.closest("[data-photo-grid] li[data-photo-id]");
    if (!tile || event.target.closest(".photo-select")) return;
    event.preventDefault();
    event.stopPropagation();
    var box = boxOf(tile);
    if (!box) return;
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
  }, true);
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[name=photos], input[data-save-box]")) update();
  });
  var list = grid();
  if (list && window.MutationObserver) {
    new MutationObserver(function () { if (selecting) addBoxes(); }).observe(list, { childList: true });
  }

  function failed(error) {
    if (error && error.message) {
      // Translators: %(reason)s is what went wrong, such as "those photos are gone".
      say(interpolate(gettext("Couldn't save to your phone (%(reason)s). Try Download all instead."), { reason: error.message }, true));
    } else {
      say(gettext("Couldn't save to your phone. Try Download all instead."));
    }
  }

  function share(files) {
    return navigator.share({ files: files }).then(function () {
      ready = null;
      update();
      say(interpolate(ngettext("Saved %(count)s.", "Saved %(count)s.", files.length), { count: files.length }, true));
    }, function (error) {
      if (error && error.name === "AbortError") return;   // they closed the sheet
      if (error && error.name === "NotAllowedError" && !ready) {
        // Fetching took the tap's time: the files are here, one more tap.
        ready = { ids: selectedIds().join(","), files: files };
        update();
        say(gettext("Your photos are ready."));
        return;
      }
      ready = null;
      update();
      failed(error);
    });
  }

  function fetchFiles(ids) {
    var url = button.getAttribute("data-save-url") + "?ids=" + encodeURIComponent(ids.join(","));
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) {
            // Translators: why saving failed, said in "Couldn't save to your phone (%(reason)s)."
            throw new Error(data.error || gettext("the server said no"));
          }
          return data.files;
        });
      })
      .then(function (items) {
        if (!items.length) throw new Error(gettext("those photos are gone"));
        return Promise.all(items.map(function (item) {
          return fetch(item.url).then(function (response) {
            if (!response.ok) throw new Error(interpolate(gettext("%(filename)s didn't load"), { filename: item.filename }, true));
            return response.blob();
          }).then(function (blob) {
            return new File([blob], item.filename, { type: item.content_type });
          });
        }));
      });
  }

  save.addEventListener("click", function () {
    var ids = selectedIds();
    if (!ids.length || busy) return;
    if (ids.length > MAX) { update(); return; }
    if (ready && ready.ids === ids.join(",")) { share(ready.files); return; }
    busy = true;
    save.disabled = true;
    save.textContent = interpolate(ngettext("Preparing %(count)s…", "Preparing %(count)s…", ids.length), { count: ids.length }, true);
    say("");
    fetchFiles(ids).then(function (files) {
      busy = false;
      if (!navigator.canShare({ files: files })) throw new Error(gettext("this phone can't share these files"));
      return share(files);
    }).catch(function (error) {
      busy = false;
      ready = null;
      update();
      failed(error);
    });
  });
})();
