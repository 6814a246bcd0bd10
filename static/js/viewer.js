// Photo viewer overlay for the album grid ([data-photo-grid]). A tap on a
// thumbnail opens the photo large in a <dialog> instead of going to its page:
// swipe or arrow keys for the previous and next photo, Escape, Close or the
// back button to close (the URL is the photo's own page, via history.pushState).
// The details (description, uploader, date, Download, Delete, Edit description)
// are the photo page's own, fetched, so who may do what is decided in one place.
// A video clip ([data-video] in the grid) plays in the overlay as on its
// page: the page's own <video> (inline, controls, poster, no autoplay), which
// is stopped and dropped when the viewer moves on or closes.
// The viewer walks the whole album in the grid's order: on the album page
// static/js/album.js (window.PartyShotsAlbum) numbers each photo in the
// album ("Photo 61 of 65") and loads the grid's next photos as the viewer
// nears the last one there, so a swipe goes on across pages.
// Without JavaScript the thumbnails are plain links to those pages.
(function () {
  "use strict";

  if (!window.HTMLDialogElement || !window.fetch || !window.DOMParser || !history.pushState) return;

  var dialog = null;
  var parts = {};
  var current = null;      // the grid link of the photo shown
  var shownAt = 0;         // its place in the grid when shown
  var pages = {};          // viewer URL -> promise of its parsed page
  var STATE = "partyshots-viewer";

  function gridLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-photo-grid] a[href]"));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function iconButton(className, glyph, label) {
    var button = el("button", className);
    button.type = "button";
    var icon = el("span", "", glyph);
    icon.setAttribute("aria-hidden", "true");
    button.appendChild(icon);
    button.appendChild(el("span", "visually-hidden", label));
    return button;
  }

  function build() {
    dialog = el("dialog", "viewer");
    dialog.setAttribute("aria-labelledby", "viewer-title");
    var bar = el("div", "viewer-bar");
    parts.title = el("h2", "viewer-title");
    parts.title.id = "viewer-title";
    parts.close = el("button", "viewer-close button button-secondary", gettext("Close"));
    parts.close.type = "button";
    bar.appendChild(parts.title);
    bar.appendChild(parts.close);

    parts.stage = el("div", "viewer-stage");
    parts.img = el("img", "viewer-img");
    parts.img.alt = "";
    parts.spinner = el("span", "viewer-spinner");
    parts.spinner.setAttribute("aria-hidden", "true");
    parts.prev = iconButton("viewer-prev", "‹", gettext("Previous photo"));
    parts.next = iconButton("viewer-next", "›", gettext("Next photo"));
    parts.stage.appendChild(parts.img);
    parts.stage.appendChild(parts.spinner);
    parts.stage.appendChild(parts.prev);
    parts.stage.appendChild(parts.next);

    parts.details = el("div", "viewer-details");
    dialog.appendChild(bar);
    dialog.appendChild(parts.stage);
    dialog.appendChild(parts.details);
    document.body.appendChild(dialog);

    parts.close.addEventListener("click", close);
    parts.prev.addEventListener("click", function () { step(-1); });
    parts.next.addEventListener("click", function () { step(1); });
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); close(); });
    document.addEventListener("keydown", function (event) {
      // A focused video's own keys seek it; anywhere else the arrows step.
      if (!dialog.open || event.target.closest("textarea, input, select, summary, video")) return;
      if (event.key === "ArrowLeft") { event.preventDefault(); step(-1); }
      else if (event.key === "ArrowRight") { event.preventDefault(); step(1); }
    });
    parts.img.addEventListener("load", function () { parts.stage.classList.remove("is-loading"); });
    parts.img.addEventListener("error", function () { parts.stage.classList.remove("is-loading"); });
    watchSwipes(parts.stage);
  }

  // One finger moving sideways is a swipe; two fingers (pinch-zoom) and
  // swipes while zoomed in are left to the browser.
  function watchSwipes(area) {
    var start = null;
    area.addEventListener("touchstart", function (event) {
      start = event.touches.length === 1 ? { x: event.touches[0].clientX, y: event.touches[0].clientY } : null;
    }, { passive: true });
    area.addEventListener("touchmove", function (event) {
      if (event.touches.length > 1) start = null;
    }, { passive: true });
    area.addEventListener("touchend", function (event) {
      if (!start || event.changedTouches.length !== 1) return;
      if (window.visualViewport && window.visualViewport.scale > 1.01) return;
      var dx = event.changedTouches[0].clientX - start.x;
      var dy = event.changedTouches[0].clientY - start.y;
      start = null;
      if (Math.abs(dx) > 40 && Math.abs(dx) > 1.5 * Math.abs(dy)) step(dx < 0 ? 1 : -1);
    }, { passive: true });
  }

  function page(url) {
    if (!pages[url]) {
      pages[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      }).then(function (html) {
        return new DOMParser().parseFromString(html, "text/html");
      });
      pages[url].catch(function () { delete pages[url]; });
    }
    return pages[url];
  }

  // The album page's grid, which knows the whole album (static/js/album.js).
  function album() {
    return window.PartyShotsAlbum || null;
  }

  function show(link) {
    current = link;
    dropVideo();
    var links = gridLinks();
    var position = links.indexOf(link);
    shownAt = position;
    var thumb = link.querySelector("img");
    var grid = album();
    var more = !!(grid && grid.hasMore());
    var number = (grid ? grid.offset() : 0) + position + 1;
    var total = grid ? Math.max(grid.total(), number) : links.length;
    // Translators: the viewer's title, "Photo 61 of 65" (or "Video 61 of 65").
    var title = link.hasAttribute("data-video") ? gettext("Video %(number)s of %(total)s") : gettext("Photo %(number)s of %(total)s");
    parts.title.textContent = interpolate(title, { number: number, total: total }, true);
    parts.prev.hidden = position <= 0;
    parts.next.hidden = position >= links.length - 1 && !more;
    // Near the last photo the grid has: its next ones come now, so the swipe
    // onto them finds them there.
    if (more && position >= links.length - 3) grid.loadMore().catch(function () { /* tried again on the swipe */ });
    parts.stage.classList.add("is-loading");
    // The thumbnail at once, the large rendition once the page says where it is.
    parts.img.src = thumb ? thumb.src : "";
    parts.img.alt = thumb ? thumb.alt : "";
    parts.img.removeAttribute("width");
    parts.img.removeAttribute("height");
    parts.details.replaceChildren(el("p", "viewer-loading muted", gettext("Loading…")));
    page(link.href).then(function (doc) {
      if (current !== link) return;
      var article = doc.querySelector(".photo-viewer");
      var large = article && article.querySelector(".photo-display");
      if (!article || !large) throw new Error("not a photo page");
      if (large.matches("video")) showVideo(large);
      else showImage(large, link);
      // Everything the page says about the photo, less what the overlay has
      // its own of (the way back, previous/next, the image).
      var details = document.createDocumentFragment();
      Array.prototype.forEach.call(article.children, function (node) {
        if (node.matches(".photo-back, .photo-nav")) return;
        if (node.matches("figure")) node = node.querySelector("figcaption");
        if (node) details.appendChild(document.importNode(node, true));
      });
      var hadFocus = parts.details.contains(document.activeElement);
      parts.details.replaceChildren(details);
      if (hadFocus) parts.close.focus();
      enhanceDescriptionForm(link);
    }).catch(function () {
      if (current !== link) return;
      parts.stage.classList.remove("is-loading");
      var failed = el("p", "viewer-error", gettext("Couldn't load this photo's details.") + " ");
      var open = el("a", "", gettext("Open it on its own page"));
      open.href = link.href;
      failed.appendChild(open);
      parts.details.replaceChildren(failed);
    });
    // Warm up the neighbours, so swiping is quick (a clip's poster only).
    [links[position - 1], links[position + 1]].forEach(function (neighbour) {
      if (neighbour) page(neighbour.href).then(function (doc) {
        var large = doc.querySelector(".photo-display");
        if (large) new Image().src = large.matches("video") ? large.poster : large.src;
      }).catch(function () { /* shown if they open it */ });
    });
  }

  function showImage(large, link) {
    var full = new Image();
    full.addEventListener("load", function () {
      if (current !== link) return;
      parts.img.src = full.src;
      parts.stage.classList.remove("is-loading");
    });
    full.src = large.src;
    parts.img.alt = large.alt;
  }

  // The page's <video>, adopted into the stage in place of the image; the
  // spinner goes once the player knows the clip's length (or can't load it).
  function showVideo(large) {
    var video = document.importNode(large, true);
    video.className = "viewer-video";
    video.removeAttribute("width");
    video.removeAttribute("height");
    function loaded() {
      if (parts.video === video) parts.stage.classList.remove("is-loading");
    }
    video.addEventListener("loadedmetadata", loaded);
    video.addEventListener("error", loaded, true); // a <source>'s error doesn't bubble
    parts.video = video;
    parts.img.hidden = true;
    parts.stage.insertBefore(video, parts.spinner);
  }

  // Stop the clip on screen and its download, and show the image again.
  function dropVideo() {
    var video = parts.video;
    if (!video) return;
    parts.video = null;
    video.pause();
    Array.prototype.forEach.call(video.querySelectorAll("source"), function (source) { source.remove(); });
    video.removeAttribute("src");
    video.load();
    video.remove();
    parts.img.hidden = false;
  }

  // Saving a description stays in the viewer: the server answers JSON.
  function enhanceDescriptionForm(link) {
    var form = parts.details.querySelector(".description-form");
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" },
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (answer) {
        if (!answer.ok) throw new Error(answer.body.error || gettext("Couldn't save the description."));
        delete pages[link.href];
        if (current === link) show(link);
      }).catch(function (error) {
        button.disabled = false;
        var message = form.querySelector(".viewer-form-error") || el("p", "viewer-form-error message message-error");
        message.setAttribute("role", "alert");
        message.textContent = error.message && error.message.indexOf("HTTP") !== 0 && error.message !== "Failed to fetch"
          ? error.message : gettext("Couldn't save the description; check the connection and try again.");
        form.insertBefore(message, button);
      });
    });
  }

  function open(link, push) {
    if (!dialog) build();
    show(link);
    if (!dialog.open) {
      dialog.showModal();
      document.documentElement.classList.add("viewer-open");
    }
    if (push) history.pushState({ viewer: STATE }, "", link.href);
    parts.close.focus();
  }

  function step(delta) {
    var links = gridLinks();
    var index = links.indexOf(current);
    // The photo shown left the grid (deleted elsewhere): its neighbours moved up one.
    var target = index >= 0 ? links[index + delta] : links[delta > 0 ? shownAt : shownAt - 1];
    var grid = album();
    if (!target && delta > 0 && index === links.length - 1 && grid && grid.hasMore()) {
      // Past the last photo the grid has: load its next ones, then go on.
      var from = current;
      parts.stage.classList.add("is-loading");
      grid.loadMore().then(function () {
        parts.stage.classList.remove("is-loading");
        if (current === from && dialog.open && gridLinks().length > links.length) step(delta);
      }, function () {
        parts.stage.classList.remove("is-loading");
      });
      return;
    }
    if (!target) return;
    history.replaceState({ viewer: STATE }, "", target.href);
    show(target);
  }

  function close() {
    if (history.state && history.state.viewer === STATE) history.back();  // popstate closes it
    else hide();
  }

  function hide() {
    if (!dialog || !dialog.open) return;
    dropVideo();
    dialog.close();
    document.documentElement.classList.remove("viewer-open");
    if (current) current.focus();
  }

  window.addEventListener("popstate", function (event) {
    if (event.state && event.state.viewer === STATE) {
      var link = gridLinks().filter(function (candidate) { return candidate.href === location.href; })[0];
      if (link) open(link, false);
    } else {
      hide();
    }
  });

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest("[data-photo-grid] a[href]");
    if (!link) return;
    event.preventDefault();
    open(link, true);
  });
})();
