// Slideshow (templates/photos/slideshow.html): cycles through the album's
// photos full screen and polls photos.json?after=<newest id> for new ones,
// which are shown next. Timings come from data-slide-ms and data-poll-ms.
// Each answer also carries the count and the sum of the ids of every photo
// visible in the album; when they differ from this show's own list, photos
// were hidden or deleted (or unhidden), so it fetches photos.json?ids=1 (ids
// only) and drops the ones that are gone, the one on screen at once.
(function () {
  "use strict";

  var show = document.querySelector("[data-slideshow]");
  if (!show || !window.fetch) return;

  var stage = show.querySelector(".slideshow-stage");
  var empty = show.querySelector("[data-slideshow-empty]");
  var caption = show.querySelector("[data-slideshow-caption]");
  var status = show.querySelector("[data-slideshow-status]");
  var pauseButton = show.querySelector("[data-slideshow-pause]");
  var fullscreenButton = show.querySelector("[data-slideshow-fullscreen]");
  var photosUrl = show.dataset.photosUrl;
  var slideMs = parseInt(show.dataset.slideMs, 10) || 6000;
  var pollMs = parseInt(show.dataset.pollMs, 10) || 8000;
  // Pre-signed URLs expire: fetch the whole list again now and then.
  var REFRESH_MS = 20 * 60 * 1000;

  var photos = [];      // every photo, in upload order
  var fresh = [];       // new arrivals, shown before the rest
  var index = -1;
  var newestId = 0;
  var paused = false;
  var slideTimer = null;
  var refreshTimer = null;
  var current = stage.querySelector("[data-slide]");
  var visible = null;   // count and id_sum of the album's last answer

  // Set once the album answers 404 (deleted, merged, or a new code): the show
  // stops asking, so a forgotten TV doesn't poll a dead code all night.
  var gone = false;
  var GONE = "This album is gone or has moved (the host may have made a new code). " +
    "Ask the host for the new link.";

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      if (response.status === 404) gone = true;
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function stopIfGone() {
    if (!gone) return false;
    setStatus(GONE);
    clearTimeout(slideTimer);
    clearInterval(refreshTimer);
    show.classList.add("is-gone");
    return true;
  }

  // All pages from `url` on, following "next".
  function loadFrom(url, into) {
    return getJson(url).then(function (body) {
      into.push.apply(into, body.photos);
      if (typeof body.count === "number") visible = { count: body.count, idSum: body.id_sum };
      return body.next ? loadFrom(body.next, into) : into;
    });
  }

  function setStatus(text) {
    status.textContent = text;
  }

  function captionFor(photo) {
    var text = photo.uploader || "A guest";
    return photo.description ? photo.description.slice(0, 150) + " · " + text : text;
  }

  function display(photo) {
    var img = new Image();
    img.className = "slideshow-photo";
    img.dataset.slide = "";
    img.dataset.photoId = photo.id;
    img.alt = photo.description ? photo.description.slice(0, 150) : "Photo by " + (photo.uploader || "a guest");
    img.addEventListener("load", function () {
      var previous = current;
      stage.appendChild(img);
      // Next frame, so the fade runs.
      requestAnimationFrame(function () { img.classList.add("is-shown"); });
      if (previous) {
        previous.classList.remove("is-shown");
        setTimeout(function () { previous.remove(); }, 1200);
      }
      current = img;
      caption.textContent = captionFor(photo);
      empty.hidden = true;
    });
    img.addEventListener("error", function () {
      // Probably an expired URL: get fresh ones, and go on.
      refresh();
    });
    img.src = photo.display_url;
    // Warm the cache for the photo after this one.
    var following = fresh[0] || photos[(index + 1) % photos.length];
    if (following && following !== photo) new Image().src = following.display_url;
  }

  function advance() {
    if (!photos.length) return;
    var photo;
    if (fresh.length) {
      photo = fresh.shift();
      index = photos.indexOf(photo);
    } else {
      index = (index + 1) % photos.length;
      photo = photos[index];
    }
    if (current && String(photo.id) === current.dataset.photoId) {
      if (photos.length > 1 && !fresh.length) advance();
      return;
    }
    display(photo);
  }

  function schedule() {
    clearTimeout(slideTimer);
    if (!paused) slideTimer = setTimeout(function () { advance(); schedule(); }, slideMs);
  }

  function add(items) {
    items.forEach(function (photo) {
      if (photo.id <= newestId) return;
      newestId = photo.id;
      photos.push(photo);
      fresh.push(photo);
    });
  }

  // After the list changed: point `index` at the photo on screen; if that one
  // is gone, show the one after it at once (or the empty state).
  function settle() {
    if (!current) { index = Math.min(index, photos.length - 1); return; }
    var shownId = Number(current.dataset.photoId);
    var at = -1, below = 0;
    photos.forEach(function (photo, i) {
      if (photo.id === shownId) at = i;
      if (photo.id < shownId) below += 1; // upload order is id order
    });
    if (at >= 0) { index = at; return; }
    index = below - 1;
    if (photos.length) { advance(); schedule(); return; }
    var gone = current;
    gone.classList.remove("is-shown");
    setTimeout(function () { gone.remove(); }, 1200);
    current = null;
    caption.textContent = "";
    empty.hidden = false;
  }

  function keepOnly(ids) {
    var kept = {};
    ids.forEach(function (id) { kept[id] = true; });
    photos = photos.filter(function (photo) { return kept[photo.id]; });
    fresh = fresh.filter(function (photo) { return kept[photo.id]; });
    settle();
  }

  function idSum() {
    return photos.reduce(function (sum, photo) { return sum + photo.id; }, 0);
  }

  // After a poll: does the album still hold exactly our photos? If not, ask
  // for the visible ids; an id we don't know (a photo unhidden) means a full
  // reload, since we have no URLs for it.
  function reconcile() {
    if (!visible || (visible.count === photos.length && visible.idSum === idSum())) return null;
    return getJson(photosUrl + "?ids=1").then(function (body) {
      var known = {};
      photos.forEach(function (photo) { known[photo.id] = true; });
      keepOnly(body.ids);
      var unknown = body.ids.some(function (id) { return !known[id] && id <= newestId; });
      if (unknown) return refresh();
    });
  }

  function poll() {
    loadFrom(photosUrl + "?after=" + newestId, []).then(function (items) {
      var hadNone = !photos.length;
      add(items);
      setStatus("");
      if (hadNone && photos.length) { advance(); schedule(); }
      return reconcile();
    }).catch(function () {
      if (!stopIfGone()) setStatus("Can't reach PartyShots just now; trying again…");
    }).then(function () {
      if (!gone) setTimeout(poll, pollMs);
    });
  }

  function refresh() {
    return loadFrom(photosUrl, []).then(function (items) {
      var byId = {};
      items.forEach(function (photo) {
        byId[photo.id] = photo;
        newestId = Math.max(newestId, photo.id);
      });
      var hadNone = !photos.length;
      photos = items;
      fresh = fresh.map(function (photo) { return byId[photo.id]; }).filter(Boolean);
      settle();
      if (hadNone && photos.length && !current) { advance(); schedule(); }
    }).catch(function () { /* the next poll reports it */ });
  }

  function togglePause() {
    paused = !paused;
    pauseButton.textContent = paused ? "Play" : "Pause";
    pauseButton.setAttribute("aria-pressed", String(paused));
    schedule();
  }

  pauseButton.hidden = false;
  pauseButton.setAttribute("aria-pressed", "false");
  pauseButton.addEventListener("click", togglePause);

  if (document.documentElement.requestFullscreen) {
    fullscreenButton.hidden = false;
    fullscreenButton.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(function () { /* refused: stay windowed */ });
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.target.closest && event.target.closest("button, a")) {
      if (event.key === " " || event.key === "Enter") return;
    }
    if (event.key === "ArrowRight") { advance(); schedule(); }
    else if (event.key === "ArrowLeft" && photos.length) {
      index = (index - 2 + photos.length) % photos.length;
      advance(); schedule();
    } else if (event.key === " ") { event.preventDefault(); togglePause(); }
    else if (event.key === "f") fullscreenButton.click();
  });

  // The controls fade out while nobody touches the mouse or keys.
  var idleTimer = null;
  function wake() {
    show.classList.remove("is-idle");
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { show.classList.add("is-idle"); }, 3000);
  }
  ["mousemove", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, wake, { passive: true });
  });
  wake();

  setStatus("Loading the album…");
  loadFrom(photosUrl, []).then(function (items) {
    add(items);
    fresh = [];
    setStatus("");
    // The page already shows the newest photo; go on from the start.
    if (current && photos.length) index = -1;
    else advance();
    schedule();
  }).catch(function () {
    if (!stopIfGone()) setStatus("Can't reach PartyShots just now; trying again…");
  }).then(function () {
    if (gone) return;
    setTimeout(poll, pollMs);
    refreshTimer = setInterval(refresh, REFRESH_MS);
  });
})();
