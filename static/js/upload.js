// Progressive enhancement of the upload form (templates/photos/upload_form.html):
// one request per file, each file's result shown as it arrives. Without
// JavaScript the form posts all files at once and the server shows a results page.
(function () {
  "use strict";

  function resultItem(list, name) {
    var item = document.createElement("li");
    item.className = "upload-result upload-result-pending";
    var label = document.createElement("span");
    label.textContent = name + ": uploading…";
    var progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    item.appendChild(label);
    item.appendChild(progress);
    list.appendChild(item);
    return { item: item, label: label, progress: progress };
  }

  function show(entry, name, status, message, photo) {
    entry.item.className = "upload-result upload-result-" + status;
    entry.progress.remove();
    entry.label.textContent = name + ": " + message;
    if (photo && photo.thumbnail_url) {
      var link = document.createElement("a");
      link.href = photo.viewer_url;
      var img = document.createElement("img");
      img.src = photo.thumbnail_url;
      img.alt = "";
      img.className = "upload-thumb";
      link.appendChild(img);
      entry.item.insertBefore(link, entry.label);
    }
    entry.item.dispatchEvent(new CustomEvent("photo-upload", { bubbles: true, detail: { status: status, photo: photo } }));
  }

  function send(form, file, entry) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
      if (form.elements.guest_name) data.append("guest_name", form.elements.guest_name.value);
      data.append("photos", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) entry.progress.value = Math.round((100 * event.loaded) / event.total);
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON: shown below */ }
        var result = body && body.results && body.results[0];
        if (result) {
          show(entry, file.name, result.status, result.status === "rejected" ? result.message.replace(file.name + ": ", "") : result.message, result.photo);
        } else {
          show(entry, file.name, "rejected", (body && body.error) || "the server could not take this file (HTTP " + xhr.status + ")");
        }
        resolve();
      });
      xhr.addEventListener("error", function () {
        show(entry, file.name, "rejected", "the connection failed; try again");
        resolve();
      });
      xhr.send(data);
    });
  }

  document.querySelectorAll("form[data-upload-form]").forEach(function (form) {
    var list = form.parentNode.querySelector("[data-upload-results]");
    form.addEventListener("submit", function (event) {
      var input = form.elements.photos;
      if (!input.files.length || !window.FormData) return;
      event.preventDefault();
      var files = Array.prototype.slice.call(input.files);
      var chain = Promise.resolve();
      files.forEach(function (file) {
        var entry = resultItem(list, file.name);
        chain = chain.then(function () { return send(form, file, entry); });
      });
      chain.then(function () { input.value = ""; });
    });
  });
})();
