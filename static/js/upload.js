// Uploads on the album page (templates/photos/upload_form.html), enhanced:
// choosing photos starts uploading them, one request per file and a few at a
// time (data-parallel). Each file gets a row with its progress, then its
// thumbnail, or the server's reason when it was rejected. Transfers that fail
// (connection lost, server busy or down) are retried a few times with growing
// pauses (data-retry-delay-ms, data-retries), then offer a Retry button. Leaving
// the page while files are still going asks first, and added photos appear at
// the top of the grid. Files dragged from the desktop can be dropped anywhere on
// the upload card (highlighted while they are over it) and go through the same
// queue; a drop elsewhere on the page is swallowed rather than opening the
// file. Without JavaScript the form posts all files at once and the server
// answers with a results page.
(function () {
  "use strict";

  var form = document.querySelector("form[data-upload-form]");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;

  var input = form.querySelector("input[type=file]");
  var list = form.parentNode.querySelector("[data-upload-results]");
  var parallel = parseInt(form.dataset.parallel, 10) || 3;
  var retries = form.dataset.retries ? parseInt(form.dataset.retries, 10) : 3;
  var summary = document.createElement("p");
  summary.className = "upload-summary";
  summary.setAttribute("aria-live", "polite");
  list.parentNode.insertBefore(summary, list);

  var queue = [];   // uploads waiting for a free slot
  var uploads = []; // every upload of this page visit
  var running = 0;
  // The server remembers a guest's uploads in their session. Until it has
  // answered once, a guest may have none yet, and parallel first requests
  // would each start a session of their own: so the first file goes alone.
  var answered = false;

  form.classList.add("upload-enhanced");
  list.classList.add("upload-results-live");

  function retryDelay(attempt) {
    var base = parseInt(form.dataset.retryDelayMs, 10);
    return (isNaN(base) ? 1000 : base) * Math.pow(2, attempt - 1);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function sentence(text) {
    text = text.charAt(0).toUpperCase() + text.slice(1);
    return /[.!?)]$/.test(text) ? text : text + ".";
  }

  function Upload(file) {
    this.file = file;
    this.attempt = 0;
    this.state = "pending";
    this.item = el("li", "upload-result upload-result-pending");
    this.thumb = el("span", "upload-thumb-placeholder");
    this.thumb.setAttribute("aria-hidden", "true");
    this.name = el("span", "upload-name", file.name);
    this.progress = el("progress");
    this.progress.max = 100;
    this.progress.value = 0;
    this.progress.setAttribute("aria-label", "Upload of " + file.name);
    this.message = el("span", "upload-message", "Waiting…");
    this.item.append(this.thumb, this.name, this.progress, this.message);
    this.item.upload = this;
    list.appendChild(this.item);
  }

  Upload.prototype.set = function (state, text) {
    this.state = state;
    this.item.className = "upload-result upload-result-" + state;
    this.message.textContent = text;
    var button = this.item.querySelector("button");
    if (button) button.remove();
    if (state !== "pending" && state !== "uploading" && state !== "retrying") this.progress.remove();
    updateSummary();
  };

  Upload.prototype.start = function () {
    var upload = this;
    running += 1;
    upload.attempt += 1;
    if (!upload.progress.isConnected) upload.item.insertBefore(upload.progress, upload.message);
    upload.progress.value = 0;
    upload.set("uploading", upload.attempt > 1 ? "Uploading (try " + upload.attempt + ")…" : "Uploading…");

    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    if (form.elements.guest_name) data.append("guest_name", form.elements.guest_name.value);
    data.append("photos", upload.file, upload.file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) upload.progress.value = Math.round((100 * event.loaded) / event.total);
    });
    xhr.addEventListener("load", function () {
      answered = true;
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON: a proxy's or server's error page */ }
      var result = body && body.results && body.results[0];
      if (result && result.status !== "unavailable") upload.finish(result);
      else if (xhr.status >= 500 || xhr.status === 429 || (result && result.status === "unavailable")) {
        upload.failed((result && result.message) || (body && body.error) || "The server is busy (HTTP " + xhr.status + ").");
      } else if (xhr.status === 404) {
        // Deleted, merged or given a new code: nothing here will ever work.
        var gone = "This album is gone or has moved (the host may have made a new code). " +
          "Ask the host for the new link.";
        upload.set("rejected", gone);
        lockForm(gone);
      } else {
        upload.set("rejected", (body && body.error) || "The server could not take this file (HTTP " + xhr.status + ").");
        if (xhr.status === 403) lockForm(body && body.error);
      }
      done();
    });
    ["error", "abort", "timeout"].forEach(function (name) {
      xhr.addEventListener(name, function () {
        upload.failed("The connection dropped.");
        done();
      });
    });
    xhr.send(data);
  };

  Upload.prototype.finish = function (result) {
    var message = result.status === "rejected"
      ? sentence(result.message.replace(this.file.name + ": ", ""))
      : result.status === "duplicate" ? "Already in the album." : "Added.";
    this.set(result.status, message);
    if (result.photo && result.photo.thumbnail_url) {
      var link = el("a");
      link.href = result.photo.viewer_url;
      var img = el("img", "upload-thumb");
      img.src = result.photo.thumbnail_url;
      img.alt = "";
      img.width = 64;
      img.height = 64;
      link.setAttribute("aria-label", "Open " + this.file.name);
      link.appendChild(img);
      this.thumb.replaceWith(link);
      this.thumb = link;
      if (result.status === "added") addToGrid(result.photo, this.file.name);
    }
  };

  Upload.prototype.failed = function (reason) {
    var upload = this;
    if (upload.attempt <= retries) {
      var wait = retryDelay(upload.attempt);
      upload.set("retrying", reason + " Trying again in " + Math.max(1, Math.round(wait / 1000)) + " s…");
      setTimeout(function () { enqueue(upload); }, wait);
      return;
    }
    upload.set("failed", reason + " Not uploaded.");
    var button = el("button", "button button-secondary", "Retry");
    button.type = "button";
    button.setAttribute("aria-label", "Retry " + upload.file.name);
    button.addEventListener("click", function () {
      upload.attempt = 0;
      enqueue(upload);
    });
    upload.item.appendChild(button);
  };

  function enqueue(upload) {
    upload.set("pending", "Waiting…");
    queue.push(upload);
    pump();
  }

  function done() {
    running -= 1;
    pump();
  }

  function pump() {
    while (running < (answered ? parallel : 1) && queue.length) queue.shift().start();
    updateSummary();
  }

  function busy() {
    return uploads.some(function (upload) { return ["pending", "uploading", "retrying"].indexOf(upload.state) >= 0; });
  }

  function updateSummary() {
    if (!uploads.length) return;
    var counts = {};
    uploads.forEach(function (upload) { counts[upload.state] = (counts[upload.state] || 0) + 1; });
    var added = (counts.added || 0) + (counts.duplicate || 0);
    var parts = [added + " of " + uploads.length + " uploaded"];
    if (counts.rejected) parts.push(counts.rejected + " rejected");
    if (counts.failed) parts.push(counts.failed + " failed: tap Retry");
    summary.textContent = parts.join(" · ") + (busy() ? "…" : ".");
    form.parentNode.classList.toggle("is-uploading", busy());
  }

  function lockForm(message) {
    var notice = el("p", "upload-locked", message || "Uploads are closed.");
    notice.setAttribute("role", "status");
    form.replaceWith(notice);
    queue.forEach(function (upload) { upload.set("rejected", message || "Uploads are closed."); });
    queue = [];
  }

  // New photos go first in the grid, made if the album was empty.
  function addToGrid(photo, filename) {
    var grid = document.querySelector("[data-photo-grid]");
    if (!grid) {
      var section = document.querySelector(".photos");
      if (!section) return;
      var empty = section.querySelector(".empty-state");
      if (empty) empty.remove();
      grid = el("ul", "photo-grid");
      grid.setAttribute("data-photo-grid", "");
      section.appendChild(grid);
    }
    var item = el("li", "is-new");
    var link = el("a");
    link.href = photo.viewer_url;
    var img = el("img");
    img.src = photo.thumbnail_url;
    img.alt = "Photo you just added: " + filename;
    link.appendChild(img);
    item.appendChild(link);
    grid.insertBefore(item, grid.firstChild);
  }

  function send(files) {
    Array.prototype.forEach.call(files, function (file) {
      var upload = new Upload(file);
      uploads.push(upload);
      queue.push(upload);
    });
    input.value = "";
    pump();
  }

  // Drag and drop: only drags that carry files count (text, links and images
  // dragged within the page are left alone).
  var zone = form.closest(".upload") || form.parentNode;
  var depth = 0; // dragenter/dragleave also fire for every child crossed

  function carriesFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return !!types && Array.prototype.indexOf.call(types, "Files") >= 0;
  }

  function accepting() {
    return form.isConnected; // lockForm() removes it when uploads close
  }

  function highlight(on) {
    zone.classList.toggle("is-dragover", on);
  }

  var help = form.querySelector(".upload-help");
  if (help) help.appendChild(el("span", "upload-drop-hint", " Or drop them here."));

  zone.addEventListener("dragenter", function (event) {
    if (!carriesFiles(event) || !accepting()) return;
    event.preventDefault();
    depth += 1;
    highlight(true);
  });
  zone.addEventListener("dragover", function (event) {
    if (!carriesFiles(event) || !accepting()) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    highlight(true);
  });
  zone.addEventListener("dragleave", function (event) {
    if (!carriesFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (!depth) highlight(false);
  });
  zone.addEventListener("drop", function (event) {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth = 0;
    highlight(false);
    var files = event.dataTransfer.files;
    if (accepting() && files && files.length) send(files);
  });
  // Anywhere else a dropped file would replace the page with it: refuse it.
  ["dragover", "drop"].forEach(function (name) {
    window.addEventListener(name, function (event) {
      if (!carriesFiles(event) || event.defaultPrevented) return; // the zone took it
      event.preventDefault();
      if (name === "dragover") event.dataTransfer.dropEffect = "none";
    });
  });
  window.addEventListener("dragend", function () { depth = 0; highlight(false); });

  input.addEventListener("change", function () {
    if (input.files.length) send(input.files);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (input.files.length) send(input.files);
    else input.click();
  });
  window.addEventListener("beforeunload", function (event) {
    if (!busy()) return;
    event.preventDefault();
    event.returnValue = "Photos are still uploading. Leave anyway?";
    return event.returnValue;
  });
})();
