// The album page's grid while the party goes on (templates/albums/album.html,
// the section marked data-live-album; photos.views.album_photos_json answers):
//
// - More photos as the guest scrolls: near the end of the grid (an
//   IntersectionObserver), or by the Load more link (the pages' Next link,
//   which is all there is without JavaScript), the page asks for the photos
//   after its last one in its order (data-more-url, then each answer's
//   `next`: a keyset, so photos added meanwhile shift nothing). The tiles are
//   the album page's own HTML (templates/albums/_photo_tile.html), appended
//   after the ones there, so focus stays where it is; Load more moves focus
//   to the first new tile.
// - New photos: every data-poll-ms while the page is visible, it asks for the
//   photos added since (?after=<the newest id it knows>). Other people's wait
//   behind a "3 new photos – show" button in a polite live region; tapping
//   it puts each where the order puts it (most at the top), scrolls up and
//   focuses the first. This guest's own uploads (upload.js hands them over,
//   addOwn, and the answers say `mine`) are placed at once where a reload
//   would show them; one further down than the grid has loaded is not
//   inserted (it comes as they scroll), only counted. Timings are read when
//   used (data-poll-ms), so a test can shorten them on a loaded page.
// - The header's count ("12 photos and 2 videos") and Download all (with its
//   size) follow every poll. The count and the sum of the ids visible in the
//   album come with each answer (the slideshow's check): when they don't add
//   up with what the page knows, photos were hidden or deleted, and their
//   tiles go.
// - window.PartyShotsAlbum lets the viewer (viewer.js) number a photo in the
//   whole album ("Photo 61 of 65") and load more as it walks on.
(function () {
  "use strict";

  var section = document.querySelector("[data-live-album]");
  if (!section || !window.fetch || !window.Promise || !document.createElement("template").content) return;

  var sort = section.dataset.sort || "taken";
  var photosUrl = section.dataset.photosUrl;
  var moreUrl = section.dataset.moreUrl || null;
  var offset = number(section.dataset.offset);
  var newestId = number(section.dataset.newestId);
  // What the page knows of the album: how many photos it shows and the sum
  // of their ids (whether loaded into the grid yet or not).
  var known = { count: number(section.dataset.count), idSum: number(section.dataset.idSum) };
  var albumCount = known.count;
  var cursor = keyIn(moreUrl);     // the key the next photos come after
  var pending = [];                // other people's new photos, not yet shown
  var own = {};                    // ids of this guest's uploads
  var loading = null;              // the next photos, on their way
  var polling = null;
  var pollAgain = false;
  var lastPoll = Date.now();
  var timer = null;
  var soonTimer = null;
  var gone = false;                // the album answered 404: stop asking
  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");

  function number(text) {
    var value = parseInt(text, 10);
    return isNaN(value) ? 0 : value;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  // A tile's key, "<microseconds>.<id>", as two numbers; newer compares greater.
  function parseKey(key) {
    var parts = String(key).split(".");
    return [Number(parts[0]), Number(parts[1])];
  }

  function compare(a, b) {
    return (a[0] - b[0]) || (a[1] - b[1]);
  }

  function keyIn(url) {
    if (!url) return null;
    var match = /[?&]before=([^&]+)/.exec(url);
    return match ? parseKey(decodeURIComponent(match[1])) : null;
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      if (response.status === 404) gone = true;
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function query(params) {
    return photosUrl + "?" + Object.keys(params).map(function (name) {
      return encodeURIComponent(name) + "=" + encodeURIComponent(params[name]);
    }).join("&");
  }

  // ---- The grid ---------------------------------------------------------------

  function grid() {
    var list = section.querySelector("[data-photo-grid]");
    if (list) return list;
    // The album was empty: the grid comes with its first photo.
    var empty = section.querySelector(".empty-state");
    if (empty) empty.remove();
    list = el("ul", "photo-grid");
    list.setAttribute("data-photo-grid", "");
    section.appendChild(list);
    return list;
  }

  function tiles() {
    return Array.prototype.slice.call(section.querySelectorAll("[data-photo-grid] > li[data-key]"));
  }

  function tileOf(id) {
    return section.querySelector('[data-photo-grid] > li[data-photo-id="' + id + '"]');
  }

  function tileFrom(item) {
    var template = document.createElement("template");
    template.innerHTML = item.tile;
    return template.content.firstElementChild;
  }

  // Put a photo where the order puts it among the tiles there; null when
  // that is further down than the grid has loaded (it comes with the next
  // photos) or on an earlier page than this one.
  function place(item) {
    if (tileOf(item.id)) return null;
    var key = parseKey(item.key);
    var list = tiles();
    var before = null;
    for (var i = 0; i < list.length; i += 1) {
      if (compare(key, parseKey(list[i].dataset.key)) > 0) { before = list[i]; break; }
    }
    if (before && before === list[0] && offset > 0) return null;
    if (!before && moreUrl && !(cursor && compare(key, cursor) > 0)) return null;
    var tile = tileFrom(item);
    tile.classList.add("is-new");
    if (before) before.parentNode.insertBefore(tile, before);
    else grid().appendChild(tile);
    return tile;
  }

  function removeTile(tile) {
    if (tile.contains(document.activeElement)) {
      var neighbour = tile.nextElementSibling || tile.previousElementSibling;
      var link = neighbour && neighbour.querySelector("a[href]");
      if (link) link.focus({ preventScroll: true });
    }
    tile.remove();
  }

  // ---- More as the guest scrolls ------------------------------------------------

  var nav = section.querySelector(".pagination");
  var moreLink = section.querySelector("[data-load-more]");
  var pageStatus = section.querySelector("[data-page-status]");
  var observer = null;

  if (moreLink && moreUrl) {
    moreLink.textContent = gettext("Load more");
    moreLink.addEventListener("click", function (event) {
      if (!moreUrl) return;
      event.preventDefault();
      loadMore().then(function (added) {
        var link = added[0] && added[0].querySelector("a[href]");
        if (link) link.focus();
      }, function () { /* said in the status */ });
    });
  }
  if (pageStatus && moreUrl) {
    // "Page 1 of 3" no longer says what is shown: the line says what went wrong, if anything.
    pageStatus.textContent = "";
    pageStatus.setAttribute("role", "status");
  }
  if (moreUrl && nav && window.IntersectionObserver) {
    observer = new IntersectionObserver(function (entries) {
      if (!entries.some(function (entry) { return entry.isIntersecting; })) return;
      loadMore().then(watchAgain, function () { /* Load more is there to try again */ });
    }, { rootMargin: "0px 0px 800px 0px" });
    observer.observe(nav);
  }

  // Still near the end after a page came (a tall screen): another comes.
  function watchAgain() {
    if (!observer || !moreUrl) return;
    observer.unobserve(nav);
    observer.observe(nav);
  }

  function loadMore() {
    if (loading) return loading;
    if (!moreUrl) return Promise.resolve([]);
    var url = moreUrl;
    var list = grid();
    list.setAttribute("aria-busy", "true");
    if (moreLink) moreLink.setAttribute("aria-disabled", "true");
    function done() {
      loading = null;
      list.removeAttribute("aria-busy");
      if (moreLink) moreLink.removeAttribute("aria-disabled");
    }
    loading = getJson(url).then(function (body) {
      done();
      var added = [];
      body.photos.forEach(function (item) {
        dropPending(item.id);
        if (tileOf(item.id)) return;
        var tile = tileFrom(item);
        list.appendChild(tile);
        added.push(tile);
      });
      if (body.photos.length) cursor = parseKey(body.photos[body.photos.length - 1].key);
      moreUrl = body.next || null;
      if (pageStatus) pageStatus.textContent = "";
      if (!moreUrl) allLoaded();
      return added;
    }, function (error) {
      done();
      if (pageStatus) pageStatus.textContent = gettext("Couldn't load more photos. Load more to try again.");
      throw error;
    });
    return loading;
  }

  function allLoaded() {
    if (observer) observer.disconnect();
    observer = null;
    if (moreLink) moreLink.remove();
    moreLink = null;
    if (pageStatus) pageStatus.remove();
    pageStatus = null;
    if (nav && !nav.querySelector("a[href]")) nav.hidden = true;
  }

  // ---- New photos ---------------------------------------------------------------

  var live = el("div", "new-photos");
  live.setAttribute("aria-live", "polite");
  var pill = el("button", "new-photos-button");
  pill.type = "button";
  pill.hidden = true;
  live.appendChild(pill);
  // Between the heading (with the sort links) and the grid, in the focus
  // order too; it rides over the grid's top as the guest scrolls (sticky).
  var heading = section.querySelector(".photos-heading");
  section.insertBefore(live, heading ? heading.nextSibling : section.firstChild);
  pill.addEventListener("click", showNew);

  // "3 new photos", "1 new video", "3 new photos and 2 videos".
  function newLabel(items) {
    var videos = items.filter(function (item) { return item.is_video; }).length;
    var photos = items.length - videos;
    var photoWords = interpolate(ngettext("%(count)s new photo", "%(count)s new photos", photos), {count: photos}, true);
    if (!videos) return photoWords;
    if (!photos) return interpolate(ngettext("%(count)s new video", "%(count)s new videos", videos), {count: videos}, true);
    var videoWords = interpolate(ngettext("%(count)s video", "%(count)s videos", videos), {count: videos}, true);
    // Translators: "3 new photos and 2 videos": the two counts are "%(count)s new photo(s)" and "%(count)s video(s)".
    return interpolate(gettext("%(photos)s and %(videos)s"), {photos: photoWords, videos: videoWords}, true);
  }

  function updatePill() {
    if (!pending.length) {
      pill.hidden = true;
      pill.textContent = "";
      return;
    }
    // Translators: a button over the album's grid, "3 new photos – show".
    pill.textContent = interpolate(gettext("%(what)s – show"), {what: newLabel(pending)}, true);
    pill.hidden = false;
  }

  function dropPending(id) {
    var before = pending.length;
    pending = pending.filter(function (item) { return item.id !== id; });
    if (pending.length !== before) updatePill();
  }

  function showNew() {
    if (offset > 0) {
      // This page starts further down the album: the new ones are on its first page.
      window.location.href = section.dataset.firstUrl || "?";
      return;
    }
    var items = pending.slice().sort(function (a, b) { return compare(parseKey(b.key), parseKey(a.key)); });
    pending = [];
    var first = null;
    items.forEach(function (item) {
      var tile = place(item);
      if (tile && !first) first = tile;
    });
    updatePill();
    var top = first || tiles()[0];
    section.scrollIntoView({ behavior: reducedMotion && reducedMotion.matches ? "auto" : "smooth", block: "start" });
    var link = top && top.querySelector("a[href]");
    if (link) link.focus({ preventScroll: true });
  }

  // Every new photo there is, following `next`.
  function fetchNew(url, items) {
    return getJson(url).then(function (body) {
      items.push.apply(items, body.photos);
      return body.next ? fetchNew(body.next, items) : { items: items, body: body };
    });
  }

  function poll() {
    if (gone) return Promise.resolve();
    if (polling) {
      pollAgain = true;
      return polling;
    }
    lastPoll = Date.now();
    polling = fetchNew(query({ sort: sort, after: newestId }), []).then(function (answer) {
      answer.items.forEach(function (item) {
        if (item.id <= newestId) return;
        newestId = item.id;
        known.count += 1;
        known.idSum += item.id;
        if (own[item.id] || item.mine) place(item);
        else if (!tileOf(item.id)) pending.push(item);
      });
      updatePill();
      var body = answer.body;
      showTotals(body);
      if (body.count !== known.count || body.id_sum !== known.idSum) return reconcile();
    }).catch(function () { /* the next poll tries again */ }).then(function () {
      polling = null;
      if (pollAgain && !gone) {
        pollAgain = false;
        return poll();
      }
    });
    return polling;
  }

  // Photos were hidden or deleted (or shown again) since: the visible ids
  // say which tiles go.
  function reconcile() {
    return getJson(photosUrl + "?ids=1").then(function (answer) {
      var visible = {};
      var sum = 0;
      answer.ids.forEach(function (id) { visible[id] = true; sum += id; });
      tiles().forEach(function (tile) {
        if (!visible[tile.dataset.photoId]) removeTile(tile);
      });
      pending = pending.filter(function (item) { return visible[item.id]; });
      updatePill();
      known = { count: answer.ids.length, idSum: sum };
    });
  }

  function showTotals(body) {
    if (typeof body.count !== "number") return;
    albumCount = body.count;
    var count = document.querySelector("[data-album-count]");
    if (count && body.count_label) count.textContent = body.count_label;
    var download = document.querySelector("[data-download-all]");
    if (!download && body.count && body.download_url) {
      // The album was empty: Download all comes after Share, as on a reload.
      var actions = document.querySelector(".album-header .actions");
      if (actions) {
        download = el("a", "button button-secondary");
        download.setAttribute("data-download-all", "");
        download.href = body.download_url;
        var share = actions.firstElementChild;
        actions.insertBefore(download, share ? share.nextSibling : null);
      }
    }
    if (download) {
      download.textContent = body.download_label;
      download.hidden = !body.count;
    }
  }

  function pollMs() {
    return number(section.dataset.pollMs) || 10000;
  }

  function schedule(wait) {
    clearTimeout(timer);
    timer = gone ? null : setTimeout(tick, wait === undefined ? pollMs() : wait);
  }

  // Only while the page is visible: a phone in a pocket doesn't ask.
  function tick() {
    timer = null;
    if (document.visibilityState !== "visible") return;
    poll().then(function () { schedule(); });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible" || gone) return;
    schedule(Math.max(0, pollMs() - (Date.now() - lastPoll)));
  });

  // This guest's upload is in the album (upload.js): place it where a
  // reload would, as soon as the album's JSON gives its tile (a burst of
  // uploads is asked for at once).
  function addOwn(photo) {
    if (!photo || !photo.id) return false;
    own[photo.id] = true;
    var waiting = pending.filter(function (item) { return item.id === photo.id; })[0];
    if (waiting) {
      dropPending(photo.id);
      place(waiting);
    } else if (!tileOf(photo.id)) {
      clearTimeout(soonTimer);
      soonTimer = setTimeout(poll, 250);
    }
    return true;
  }

  window.PartyShotsAlbum = {
    // How many photos come before this page's first tile (page 2 and on).
    offset: function () { return offset; },
    // How many photos the grid stands for: those there and those further
    // down, less the new ones still behind the button.
    total: function () {
      var shown = offset + tiles().length;
      if (!moreUrl) return shown;
      var waiting = pending.filter(function (item) {
        return !cursor || compare(parseKey(item.key), cursor) > 0;
      }).length;
      return Math.max(albumCount - waiting, shown);
    },
    hasMore: function () { return !!moreUrl; },
    loadMore: loadMore,
    addOwn: addOwn,
    poll: poll,
  };

  schedule();
})();
