// Slideshow (templates/photos/slideshow.html): cycles through the album's
// photos full screen and polls photos.json?after=<newest id> for new ones,
// which are shown next. Timings come from data-slide-ms and data-poll-ms.
// Each answer also carries the count and the sum of the ids of every photo
// visible in the album; when they differ from this show's own list, photos
// were hidden or deleted (or unhidden), so it fetches photos.json?ids=1 (ids
// only) and drops the ones that are gone, the one on screen at once.
// A video clip plays muted (so the browser lets it start by itself) until it
// ends or for data-video-ms of play, whichever comes first, then the show
// moves on; a clip alone in the album plays again.
// The album's QR code ("Scan to add your photos") fills the stage while the
// album is empty, and for one slide after every data-qr-every photos (0:
// never); the small one in the corner is hidden meanwhile (CSS, .is-qr).
(function () {
  "use strict";

  var show = document.querySelector("[data-slideshow]");
  if (!show || !window.fetch) return;

  var stage = show.querySelector(".slideshow-stage");
  var empty = show.querySelector("[data-slideshow-empty]");
  var qrSlide = show.querySelector("[data-slideshow-qr]");
  var caption = show.querySelector("[data-slideshow-caption]");
  var status = show.querySelector("[data-slideshow-status]");
  var pauseButton = show.querySelector("[data-slideshow-pause]");
  var fullscreenButton = show.querySelector("[data-slideshow-fullscreen]");
  // It may carry the hosts' slideshow key (?key=), passed on to every poll.
  var photosUrl = show.dataset.photosUrl;
  var slideMs = parseInt(show.dataset.slideMs, 10) || 6000;
  var pollMs = parseInt(show.dataset.pollMs, 10) || 8000;
  var videoMs = parseInt(show.dataset.videoMs, 10) || 20000;
  var qrEvery = parseInt(show.dataset.qrEvery, 10) || 0;
  // A clip whose download stalls still gives way this long after its time.
  var CLIP_GRACE_MS = 10000;
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
  var clip = null;      // the <video> of the slide on screen or on its way, if a clip
  var visible = null;   // count and id_sum of the album's last answer
  var onQr = false;     // the full-screen QR slide is on
  var sinceQr = current ? 1 : 0; // photo slides shown since the last QR slide

  // Set once the album answers 404 (deleted, merged, or a new code): the show
  // stops asking, so a forgotten TV doesn't poll a dead code all night.
  var gone = false;
  var GONE = gettext("This album is gone or has moved (the host may have made a new code). Ask the host for the new link.");

  function photosQuery(query) {
    return photosUrl + (photosUrl.indexOf("?") < 0 ? "?" : "&") + query;
  }

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
    // Translators: who added the photo on screen, when they gave no name.
    var text = photo.uploader || gettext("A guest");
    return photo.description ? photo.description.slice(0, 150) + " · " + text : text;
  }

  function labelFor(photo) {
    if (photo.description) return photo.description.slice(0, 150);
    if (!photo.uploader) return photo.is_video ? gettext("Video by a guest") : gettext("Photo by a guest");
    var label = photo.is_video ? gettext("Video by %(name)s") : gettext("Photo by %(name)s");
    return interpolate(label, {name: photo.uploader}, true);
  }

  // Fade the slide in over the one on screen.
  function reveal(slide, photo) {
    var previous = current;
    if (!slide.isConnected) stage.appendChild(slide);
    // Next frame, so the fade runs.
    requestAnimationFrame(function () { slide.classList.add("is-shown"); });
    if (previous && previous !== slide) retire(previous);
    current = slide;
    caption.textContent = captionFor(photo);
    hideQr();
  }

  // The album's QR code full screen: `waiting` while the album is empty.
  function showQr(waiting) {
    qrSlide.hidden = false;
    empty.hidden = !waiting;
    show.classList.add("is-qr");
  }

  function hideQr() {
    onQr = false;
    qrSlide.hidden = true;
    empty.hidden = true;
    show.classList.remove("is-qr");
  }

  // The QR slide, for one slide's time: the photo under it goes (a clip
  // stops), so the show comes back with a fresh fade, even a lone photo.
  function startQr() {
    if (clip && clip !== current) {
      clip.remove();
      clip.removeAttribute("src");
      clip.load();
    }
    clip = null;
    if (current) retire(current);
    current = null;
    onQr = true;
    sinceQr = 0;
    showQr(false);
  }

  // What the slide timer (or a clip's end) moves on to: the QR slide after
  // every qrEvery photos, else the next photo.
  function next() {
    if (onQr) {
      onQr = false;
      if (!photos.length) { showQr(true); return; }
    } else if (qrEvery && photos.length && sinceQr >= qrEvery) {
      startQr();
      return;
    }
    advance();
    if (photos.length) sinceQr += 1;
  }

  // Fade a slide out and drop it (a clip stops, and stops downloading).
  function retire(slide) {
    slide.classList.remove("is-shown");
    if (slide.pause) slide.pause();
    setTimeout(function () {
      slide.remove();
      if (slide.pause) { slide.removeAttribute("src"); slide.load(); }
    }, 1200);
  }

  function display(photo) {
    // A clip still on its way (not yet on screen) gives way to this one.
    if (clip && clip !== current) {
      var pending = clip;
      clip = null;
      pending.remove();
      pending.removeAttribute("src");
      pending.load();
    }
    if (photo.is_video && photo.video_url) displayClip(photo);
    else displayImage(photo);
    // Warm the cache for the photo after this one (a clip's poster).
    var following = fresh[0] || photos[(index + 1) % photos.length];
    if (following && following !== photo) new Image().src = following.display_url;
  }

  function displayImage(photo) {
    clip = null;
    var img = new Image();
    img.className = "slideshow-photo";
    img.dataset.slide = "";
    img.dataset.photoId = photo.id;
    img.alt = labelFor(photo);
    img.addEventListener("load", function () { reveal(img, photo); });
    img.addEventListener("error", function () {
      // Probably an expired URL: get fresh ones, and go on.
      refresh();
    });
    img.src = photo.display_url;
  }

  // A clip waits, unseen, in the stage until its first frame is there.
  function displayClip(photo) {
    var video = document.createElement("video");
    video.className = "slideshow-photo slideshow-video";
    video.dataset.slide = "";
    video.dataset.photoId = photo.id;
    video.setAttribute("aria-label", labelFor(photo));
    // Muted, so browsers let it start by itself; inline on phones.
    video.muted = true;
    video.defaultMuted = true;
    video.playsInline = true;
    video.autoplay = !paused;
    video.preload = "auto";
    video.poster = photo.display_url;
    clip = video;
    video.addEventListener("loadeddata", function () {
      if (clip !== video || current === video) return;
      reveal(video, photo);
      if (!paused) video.play().catch(function () { /* the timer moves on */ });
    });
    // The stall timer counts from when it really plays.
    video.addEventListener("playing", function () { if (clip === video) schedule(); });
    video.addEventListener("timeupdate", function () {
      if (video.currentTime * 1000 >= videoMs) clipDone(video);
    });
    video.addEventListener("ended", function () { clipDone(video); });
    video.addEventListener("error", function () {
      if (clip !== video) return;
      // Probably an expired URL: get fresh ones, and go on after a photo's time.
      clip = null;
      if (current !== video) video.remove();
      refresh();
      schedule();
    });
    stage.appendChild(video);
    video.src = photo.video_url;
  }

  // Its end, or its time is up: on to the next (the events of a clip no
  // longer on its way or on screen change nothing).
  function clipDone(video) {
    if (clip !== video || gone) return;
    video.pause();
    next();
    schedule();
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
      else if (current === clip) { clip.currentTime = 0; clip.play().catch(function () {}); }
      return;
    }
    display(photo);
  }

  function schedule() {
    clearTimeout(slideTimer);
    if (paused) return;
    // A clip moves the show on by itself; this timer only if it stalls.
    var wait = clip ? videoMs + CLIP_GRACE_MS : slideMs;
    slideTimer = setTimeout(function () { next(); schedule(); }, wait);
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
    retire(current);
    if (current === clip) clip = null;
    current = null;
    caption.textContent = "";
    showQr(true);
  }

  // The first photo of an empty album (or of one emptied): the show starts.
  function firstPhoto() {
    onQr = false;
    advance();
    sinceQr = 1;
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
    return getJson(photosQuery("ids=1")).then(function (body) {
      var known = {};
      photos.forEach(function (photo) { known[photo.id] = true; });
      keepOnly(body.ids);
      var unknown = body.ids.some(function (id) { return !known[id] && id <= newestId; });
      if (unknown) return refresh();
    });
  }

  function poll() {
    loadFrom(photosQuery("after=" + newestId), []).then(function (items) {
      var hadNone = !photos.length;
      add(items);
      setStatus("");
      if (hadNone && photos.length) { firstPhoto(); schedule(); }
      return reconcile();
    }).catch(function () {
      if (!stopIfGone()) setStatus(gettext("Can't reach PartyShots just now; trying again…"));
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
      if (hadNone && photos.length && !current) { firstPhoto(); schedule(); }
    }).catch(function () { /* the next poll reports it */ });
  }

  function togglePause() {
    paused = !paused;
    pauseButton.textContent = paused ? gettext("Play") : gettext("Pause");
    pauseButton.setAttribute("aria-pressed", String(paused));
    if (clip && clip === current) {
      if (paused) clip.pause();
      else clip.play().catch(function () { /* the timer moves on */ });
    }
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
    // Stepping by hand leaves the QR slide; the previous photo from it is
    // the one before it.
    if (event.key === "ArrowRight" && photos.length) { onQr = false; advance(); schedule(); }
    else if (event.key === "ArrowLeft" && photos.length) {
      index = (index - (onQr ? 1 : 2) + 2 * photos.length) % photos.length;
      onQr = false;
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

  setStatus(gettext("Loading the album…"));
  loadFrom(photosUrl, []).then(function (items) {
    add(items);
    fresh = [];
    setStatus("");
    // The page already shows the newest photo; go on from the start. A clip
    // there is only its poster: play it first.
    var shown = current && photos.filter(function (photo) {
      return String(photo.id) === current.dataset.photoId;
    })[0];
    if (shown && shown.is_video) { index = photos.indexOf(shown); display(shown); }
    else if (current && photos.length) index = -1;
    else firstPhoto();
    schedule();
  }).catch(function () {
    if (!stopIfGone()) setStatus(gettext("Can't reach PartyShots just now; trying again…"));
  }).then(function () {
    if (gone) return;
    setTimeout(poll, pollMs);
    refreshTimer = setInterval(refresh, REFRESH_MS);
  });
})();
