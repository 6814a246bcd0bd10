// Uploads on the album page (templates/photos/upload_form.html), enhanced:
// choosing photos starts uploading them, a few files at a time
// (data-parallel), each straight to storage (photos/direct_uploads.py):
//
//   POST data-start-url {name, size, type, guest_name}  -> token and urls
//   POST sign_url {part: n} -> {url, method, headers}; PUT that part's bytes
//   GET parts_url -> the parts storage already has (to resume from them)
//   POST finish_url -> processing; GET status_url until added, duplicate or
//   rejected
//
// Each file gets a row with its progress and bytes sent, then its thumbnail,
// or the server's reason when it was refused. A transfer that fails
// (connection lost, server busy or down) is tried again by itself with
// growing pauses (data-retry-delay-ms doubling up to data-retry-max-delay-ms)
// for data-give-up-ms (10 minutes) of failing before it offers Retry; when the
// connection comes back (online, or the page shown again) the queue goes on
// at once. A file sent in parts resumes from the parts storage already has.
// A part that stops moving for data-stall-ms (45 s) and a request to the site
// unanswered for data-request-timeout-ms (30 s) count as failures. While the
// server checks a sent file the page asks for its status every data-poll-ms,
// backing off to data-poll-max-ms.
//
// The queue outlives the page: files not yet in the album are kept in
// IndexedDB (the file itself, its upload's urls and the album code) and
// resume when the album page opens again; each is removed once it is added,
// a duplicate or refused. Without IndexedDB (some private modes) it simply
// works without that. A Web Lock per file keeps two tabs of the same album
// from sending the same file. The screen is kept on while files are going
// (Screen Wake Lock), leaving the page while any are not finished asks first,
// and added photos appear at the top of the grid. Files dragged from the
// desktop can be dropped anywhere on the upload card (highlighted while they
// are over it); a drop elsewhere on the page is swallowed rather than opening
// the file. Without JavaScript the form posts all files at once to
// /a/<code>/upload/ and the server answers with a results page.
//
// The card (issue 17). Each row shows a preview of the chosen file at once,
// made on the phone before a byte is sent: a photo decoded small with
// createImageBitmap, a clip's frame from a <video> on an object URL (revoked
// once drawn), one at a time, onto a small canvas; where the browser can't
// (HEIC in Chrome, a codec it lacks) an icon of the kind with the file's
// extension. Then the bytes sent and the time left ("3.2 of 8.1 MB · about
// 20 s left", from a moving average of the rate), and the server's
// thumbnail once it is in. When every file is done the list folds to one
// line, "30 photos added · 1 refused – details": rows added or already there
// fold away (details opens them), refused and failed ones stay open with
// their reason and Retry. Screen readers hear that line once, when all are
// done, never each byte or row. A guest's name is asked once, in the card,
// after their first files are chosen (they are already on their way;
// data-name-url gives the name to those that went without it) and then
// remembered (the session, and localStorage for the next visit): the card
// says "Adding as Dana · change". "or drop them here" shows only where a
// mouse can drag (hover and a fine pointer), never on a touch-only phone.
(function () {
  "use strict";

  var form = document.querySelector("form[data-upload-form]");
  if (!form || !form.dataset.startUrl || !window.fetch || !window.XMLHttpRequest || !window.Promise) return;

  var input = form.querySelector("input[type=file]");
  var card = form.parentNode; // the form goes when uploads close; the card stays
  var list = card.querySelector("[data-upload-results]");
  var albumCode = form.dataset.album || "";
  var startUrl = form.dataset.startUrl;
  var GONE = gettext("This album is gone or has moved (the host may have made a new code). Ask the host for the new link.");
  var OFFLINE = gettext("No connection.");
  var DROPPED = gettext("The connection dropped.");
  // Rows in these states are not finished: leaving the page asks first.
  var UNFINISHED = ["pending", "uploading", "retrying", "processing", "failed"];
  // ...and in these the page is working on them: the screen is kept on.
  var WORKING = ["pending", "uploading", "retrying", "processing"];
  var FINAL = ["added", "duplicate", "rejected"];
  var MiB = 1024 * 1024;
  // Numbers as the page's language writes them ("3.2" in English, "3,2" in
  // German); no thousands separators, as the server writes counts.
  var LANGUAGE = document.documentElement.lang || undefined;
  var ONE_DECIMAL = numberFormat({minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false});
  var WHOLE = numberFormat({maximumFractionDigits: 0, useGrouping: false});

  var notice = el("p", "upload-notice");
  notice.setAttribute("role", "status");
  notice.hidden = true;
  // One line for all the files: how far they are while they go, then what
  // became of them, with "details" to open the rows folded away. Not a live
  // region: `announce` says the last line once, when all are done.
  var summary = el("p", "upload-summary");
  summary.hidden = true;
  var summaryText = el("span", "upload-summary-text");
  var summaryLeft = el("span", "upload-summary-left");
  summaryLeft.setAttribute("aria-hidden", "true"); // changes every second
  var details = el("span", "upload-details", " – ");
  // Translators: a link-like button after the upload summary, "3 photos added – details".
  var detailsButton = el("button", "link-button upload-details-button", gettext("details"));
  detailsButton.type = "button";
  detailsButton.setAttribute("aria-expanded", "false");
  if (list.id) detailsButton.setAttribute("aria-controls", list.id);
  details.appendChild(detailsButton);
  var retryAll = el("button", "button button-secondary upload-retry-all", gettext("Retry all"));
  retryAll.type = "button";
  var retryAllSpace = el("span", "", " ");
  retryAllSpace.appendChild(retryAll);
  summary.append(summaryText, summaryLeft);
  var folded = false; // rows are folded away: "details" is offered
  var announce = el("p", "visually-hidden upload-announce");
  announce.setAttribute("role", "status");
  list.parentNode.insertBefore(notice, list);
  list.parentNode.insertBefore(summary, list);
  list.parentNode.insertBefore(announce, list);

  var queue = [];   // uploads waiting for a free slot
  var uploads = []; // every upload shown on this page
  var running = 0;
  var stopped = false; // the album is gone: nothing more is sent
  // The first file goes alone until the server has answered once (a guest's
  // first request may set up their session); then data-parallel at a time.
  var answered = false;
  var restoredCount = 0;
  var working = false;      // some file is still on its way
  var expanded = false;     // the guest opened the details
  var collapseTimer = null;

  form.classList.add("upload-enhanced");
  card.classList.add("upload-card-enhanced"); // the card goes compact: one big button
  list.classList.add("upload-results-live");

  // Timings are read when used, so a test can shorten them on a loaded page.
  function setting(name, fallback) {
    var value = parseInt(form.dataset[name], 10);
    return isNaN(value) ? fallback : value;
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

  function numberFormat(options) {
    try {
      return new Intl.NumberFormat(LANGUAGE, options);
    } catch (e) {
      return null; // no Intl, or a language it doesn't know: as in English
    }
  }

  function megabytes(bytes) {
    var value = bytes / MiB;
    return ONE_DECIMAL ? ONE_DECIMAL.format(value) : value.toFixed(1);
  }

  function kilobytes(bytes, least) {
    var value = Math.max(least, Math.round(bytes / 1024));
    return WHOLE ? WHOLE.format(value) : String(value);
  }

  // "3.2 of 8.1 MB"; "120 of 340 KB" for a file under a megabyte.
  function bytesOf(sent, total) {
    if (total >= MiB) {
      // Translators: how much of a file was sent, in megabytes: "3.2 of 8.1 MB".
      return interpolate(gettext("%(sent)s of %(total)s MB"), {sent: megabytes(sent), total: megabytes(total)}, true);
    }
    // Translators: how much of a file was sent, in kilobytes: "120 of 340 KB".
    return interpolate(gettext("%(sent)s of %(total)s KB"), {sent: kilobytes(sent, 0), total: kilobytes(total, 1)}, true);
  }

  // "about 20 s left", "about 3 min left": rounded, as a guest reads it.
  function aboutLeft(seconds) {
    if (!(seconds >= 0) || seconds === Infinity) return "";
    if (seconds < 7.5) return gettext("a few seconds left");
    var fives = Math.round(seconds / 5) * 5;
    if (fives < 60) {
      // Translators: the time an upload still needs, "about 20 s left" (s: seconds).
      return interpolate(ngettext("about %(seconds)s s left", "about %(seconds)s s left", fives), {seconds: fives}, true);
    }
    var minutes = Math.round(seconds / 60);
    if (minutes < 60) {
      // Translators: the time an upload still needs, "about 3 min left" (min: minutes).
      return interpolate(ngettext("about %(minutes)s min left", "about %(minutes)s min left", minutes), {minutes: minutes}, true);
    }
    return gettext("more than an hour left");
  }

  function extensionOf(name) {
    var dot = name.lastIndexOf(".");
    return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  }

  // What a file is for its preview and the summary's words: "photo",
  // "video" or "file" (neither; the server will say what it is).
  var VIDEO_EXTENSIONS = ["mp4", "m4v", "mov", "qt", "webm", "mkv", "3gp", "avi"];
  var PHOTO_EXTENSIONS = ["jpg", "jpeg", "png", "gif", "webp", "heic", "heif", "avif", "tif", "tiff"];
  function kindOf(type, name) {
    var extension = extensionOf(name);
    if (/^video\//.test(type) || VIDEO_EXTENSIONS.indexOf(extension) >= 0) return "video";
    if (/^image\//.test(type) || PHOTO_EXTENSIONS.indexOf(extension) >= 0) return "photo";
    return "file";
  }

  // What these uploads are, for the summary's words: "photo", "video" or
  // "mixed" (photos and videos).
  function kindsOf(among) {
    var videos = among.filter(function (upload) { return upload.kind === "video"; }).length;
    return !videos ? "photo" : videos === among.length ? "video" : "mixed";
  }

  // "3 of 12 photos added", "1 of 2 videos added", "3 of 5 photos and videos
  // added": `done` of these uploads, while they go.
  function addedOf(done, among) {
    var total = among.length;
    var kinds = kindsOf(among);
    var format = kinds === "video"
      ? ngettext("%(done)s of %(total)s video added", "%(done)s of %(total)s videos added", total)
      // Translators: the singular is never shown (there are at least two: a photo and a video).
      : kinds === "mixed" ? ngettext("%(done)s of %(total)s photo and video added", "%(done)s of %(total)s photos and videos added", total)
      : ngettext("%(done)s of %(total)s photo added", "%(done)s of %(total)s photos added", total);
    return interpolate(format, {done: done, total: total}, true);
  }

  // "3 photos added", "1 video added", "5 photos and videos added".
  function added(among) {
    var count = among.length;
    var kinds = kindsOf(among);
    var format = kinds === "video"
      ? ngettext("%(count)s video added", "%(count)s videos added", count)
      // Translators: the singular is never shown (there are at least two: a photo and a video).
      : kinds === "mixed" ? ngettext("%(count)s photo and video added", "%(count)s photos and videos added", count)
      : ngettext("%(count)s photo added", "%(count)s photos added", count);
    return interpolate(format, {count: count}, true);
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // The guest's name field (none for an account). The page takes it out of
  // the form until it is asked for (see "The guest's name" below), so it is
  // kept here.
  var nameField = form.elements.guest_name || null;

  function guestName() {
    return nameField ? nameField.value.trim() : "";
  }

  // ---- Talking to the server ------------------------------------------------

  // What went wrong with a step: `kind` says what to do about it.
  //   retry    transient (connection, busy server): try again after a pause
  //   refused  this file is refused (the server's reason)
  //   closed   uploads closed or the album full (403 on start): lock the form
  //   gone     the album is gone (404 on start): stop everything
  //   lost     the server does not know this upload any more: start it again
  //   conflict the upload is further along than the page thought: look again
  //   stopped  the page stopped this upload meanwhile: do nothing
  function Problem(kind, message, retryAfterMs) {
    this.kind = kind;
    this.message = message;
    this.retryAfterMs = retryAfterMs;
  }

  function csrfToken() {
    return form.elements.csrfmiddlewaretoken ? form.elements.csrfmiddlewaretoken.value : "";
  }

  // A JSON request to the site; resolves to {status, body}, rejects with a
  // Problem when no answer came.
  function api(method, url, body) {
    var headers = {"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"};
    if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, setting("requestTimeoutMs", 30000));
    return fetch(url, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      signal: controller ? controller.signal : undefined,
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = JSON.parse(text); } catch (e) { /* not JSON: a proxy's or server's error page */ }
        return {status: response.status, body: data && typeof data === "object" ? data : {}};
      });
    }).catch(function () {
      throw new Problem("retry", navigator.onLine === false ? OFFLINE : DROPPED);
    }).finally(function () {
      clearTimeout(timer);
    });
  }

  // The body of a successful answer, or the Problem the answer means.
  function expectOk(answer, onStart) {
    var status = answer.status;
    var error = answer.body.error;
    if (status >= 200 && status < 300) return answer.body;
    if (status === 404) throw new Problem(onStart ? "gone" : "lost", GONE);
    if (status === 429) {
      var seconds = parseInt(answer.body.retry_after, 10);
      throw new Problem("retry", error || gettext("Too many uploads right now."), isNaN(seconds) ? undefined : seconds * 1000);
    }
    if (status >= 500 || status === 408) throw new Problem("retry", error || busy(status));
    if (status === 409) throw new Problem("conflict", error || gettext("This upload changed meanwhile."));
    if (status === 403 && onStart) throw new Problem("closed", error || gettext("Uploads are closed."));
    throw new Problem("refused", error || interpolate(gettext("The server could not take this file (HTTP %(status)s)."), {status: status}, true));
  }

  function busy(status) {
    return interpolate(gettext("The server is busy (HTTP %(status)s)."), {status: status}, true);
  }

  // ---- One file ----------------------------------------------------------------

  function Upload(file, record) {
    this.file = file;
    this.id = record ? record.id : newId();
    this.name = (record && record.name) || file.name || "photo";
    this.size = file.size;
    this.type = (record && record.type) || file.type || "";
    this.guestName = record ? record.guestName || "" : guestName();
    this.session = record ? record.session || null : null; // the start answer
    this.recheck = !!this.session; // ask the server where it is before sending
    this.phase = "send";           // send, check (sent, being checked), done
    this.stored = (record && record.stored) || {}; // part number -> bytes storage has
    this.restored = !!record;      // kept from an earlier visit
    this.sending = 0;              // bytes of the part in flight
    this.failures = 0;             // failures in a row
    this.failingSince = 0;         // when this run of failures began
    this.conflicts = 0;
    this.restarts = 0;
    this.generation = 0;           // bumped to abandon whatever is in flight
    this.timer = null;
    this.xhr = null;
    this.queued = false;
    this.active = false;
    this.again = false;            // go round again as soon as the slot is free
    this.pollDelay = 0;
    this.checkingSince = 0;        // when the server began checking it
    this.notBefore = 0;            // a rate limit's Retry-After
    this.kind = kindOf(this.type, this.name);
    this.rate = 0;                 // bytes a second, a moving average
    this.sample = null;            // the last {at, bytes, since} the rate was taken at
    this.leftAt = 0;               // when the time left was last worked out
    this.leftText = "";

    this.item = el("li", "upload-result upload-result-pending");
    this.thumb = placeholder(this.kind, this.name); // the preview replaces its insides
    this.nameNode = el("span", "upload-name", this.name);
    this.progress = el("progress");
    this.progress.max = 100;
    this.progress.value = 0;
    this.progress.setAttribute("aria-label", interpolate(gettext("Upload of %(name)s"), {name: this.name}, true));
    this.message = el("span", "upload-message", gettext("Waiting…"));
    // The progress bar tells screen readers how far it is; the numbers
    // changing many times a second would only chatter in the live region.
    this.bytes = el("span", "upload-bytes");
    this.bytes.setAttribute("aria-hidden", "true");
    this.left = el("span", "upload-left");
    this.left.setAttribute("aria-hidden", "true");
    this.item.append(this.thumb, this.nameNode, this.progress, this.message);
    this.item.upload = this;
    list.appendChild(this.item);
    this.state = "pending";
    preview(this);
  }

  Upload.prototype.final = function () {
    return FINAL.indexOf(this.state) >= 0;
  };

  Upload.prototype.set = function (state, text) {
    this.state = state;
    this.item.className = "upload-result upload-result-" + state;
    this.message.textContent = text;
    var button = this.item.querySelector("button");
    if (button) button.remove();
    if (FINAL.indexOf(state) >= 0) {
      this.progress.remove();
    } else {
      if (!this.progress.isConnected) this.item.insertBefore(this.progress, this.message);
      if (state !== "processing") this.message.append(" ", this.bytes, this.left);
    }
    if (state !== "uploading") this.sample = null; // a pause is not a slow rate
    this.showBytes();
    updateSummary();
  };

  Upload.prototype.partSize = function (number) {
    var session = this.session;
    if (number < session.parts) return session.part_size;
    return session.size - session.part_size * (session.parts - 1);
  };

  Upload.prototype.sent = function () {
    var total = this.sending;
    for (var number in this.stored) total += this.stored[number];
    return Math.min(total, this.size);
  };

  Upload.prototype.showBytes = function () {
    var sent = this.state === "processing" ? this.size : this.sent();
    this.progress.value = this.size ? Math.floor((100 * sent) / this.size) : 0;
    this.bytes.textContent = bytesOf(sent, this.size);
    this.measure(sent);
    var left = this.state === "uploading" ? this.timeLeft() : "";
    this.left.textContent = left ? " · " + left : "";
    if (this.progress.isConnected) {
      this.progress.setAttribute("aria-valuetext", this.bytes.textContent + (left ? ", " + left : ""));
    }
    showTimeLeft();
  };

  // The send rate: a moving average over about RATE_WINDOW_MS of what the
  // bytes sent did since the last look (at most every 200 ms). Sampling starts
  // again after any pause (a retry, a wait), so it measures sending only.
  var RATE_WINDOW_MS = 3000;
  Upload.prototype.measure = function (sent) {
    if (this.state !== "uploading") return;
    var now = Date.now();
    var last = this.sample;
    if (!last || sent < last.bytes) {
      this.sample = {at: now, bytes: sent, since: now};
      return;
    }
    var elapsed = now - last.at;
    if (elapsed < 200) return;
    var rate = (sent - last.bytes) * 1000 / elapsed;
    var weight = 1 - Math.exp(-elapsed / RATE_WINDOW_MS);
    this.rate = this.rate ? this.rate + weight * (rate - this.rate) : rate;
    this.sample = {at: now, bytes: sent, since: last.since};
  };

  // Whether the rate has been measured long enough to go by (the first
  // bytes fill buffers faster than the network takes them).
  Upload.prototype.rateKnown = function () {
    return this.state === "uploading" && this.rate > 0 && !!this.sample &&
      Date.now() - this.sample.since >= 1500;
  };

  // "about 20 s left", worked out at most once a second so it doesn't flicker.
  Upload.prototype.timeLeft = function () {
    var now = Date.now();
    if (now - this.leftAt < 1000) return this.leftText;
    this.leftAt = now;
    this.leftText = this.rateKnown() ? aboutLeft((this.size - this.sent()) / this.rate) : "";
    return this.leftText;
  };

  // A step went through: the next failure starts a new run of pauses.
  Upload.prototype.ok = function () {
    this.failures = 0;
    this.failingSince = 0;
    this.conflicts = 0;
  };

  // Throws "stopped" if the page gave up on this run meanwhile.
  Upload.prototype.still = function (generation) {
    if (generation !== this.generation || stopped) throw new Problem("stopped");
  };

  // One turn with a slot: start, look where it is, send the missing parts,
  // finish. Resolves when the slot is free again.
  Upload.prototype.run = async function () {
    var generation = this.generation;
    if (this.phase === "check") this.set("processing", gettext("Checking…"));
    else if (this.restored && this.recheck && !this.failures) this.set("uploading", gettext("Resuming…"));
    else this.set("uploading", this.failures ? gettext("Uploading again…") : gettext("Uploading…"));
    try {
      if (!this.session) await this.begin(generation);
      if (this.recheck) await this.lookAgain(generation);
      if (this.phase === "send") {
        await this.sendParts(generation);
        await this.finish(generation);
      }
    } catch (problem) {
      if (!(problem instanceof Problem)) {
        setTimeout(function () { throw problem; }); // a bug: let it show
        problem = new Problem("retry", gettext("Something went wrong."));
      }
      if (generation === this.generation) this.problem(problem);
    }
  };

  Upload.prototype.begin = async function (generation) {
    if (guestName()) this.guestName = guestName(); // typed since it was chosen
    var answer = await api("POST", startUrl, {
      name: this.name, size: this.size, type: this.type, guest_name: this.guestName,
    });
    if (!answered) {
      answered = true;
      setTimeout(pump); // the others may go now, side by side
    }
    this.still(generation);
    this.session = expectOk(answer, true);
    if (!this.guestName && guestName()) nameAgain(); // the name came while it started
    this.ok();
    this.stored = {};
    this.recheck = false;
    this.phase = "send";
    remember(this, false);
  };

  // After a failure or a reload: where is this upload? Already being checked
  // or done (its finish went through), or which parts storage has.
  Upload.prototype.lookAgain = async function (generation) {
    var status = expectOk(await api("GET", this.session.status_url));
    this.still(generation);
    this.ok();
    this.recheck = false;
    if (status.status !== "pending") {
      this.phase = "check";
      this.pollDelay = 0;
      this.checkingSince = Date.now();
      this.answer(status);
      return;
    }
    this.phase = "send";
    var stored = {};
    if (this.session.parts > 1) {
      var parts = expectOk(await api("GET", this.session.parts_url)).parts || [];
      this.still(generation);
      var upload = this;
      parts.forEach(function (part) {
        if (part.size === upload.partSize(part.number)) stored[part.number] = part.size;
      });
    }
    this.stored = stored; // storage's word, not what the page remembered
    this.sending = 0;
    this.showBytes();
  };

  Upload.prototype.sendParts = async function (generation) {
    for (var number = 1; number <= this.session.parts; number++) {
      if (this.stored[number]) continue;
      var signed = expectOk(await api("POST", this.session.sign_url, {part: number}));
      this.still(generation);
      await this.put(number, signed);
      this.still(generation);
      this.stored[number] = this.partSize(number);
      this.sending = 0;
      this.ok();
      this.showBytes();
      if (number < this.session.parts) remember(this, false);
    }
  };

  // PUT part `number` to its signed URL, with progress; resolves with the
  // ETag storage gave it.
  Upload.prototype.put = function (number, signed) {
    var upload = this;
    var start = (number - 1) * upload.session.part_size;
    var blob = upload.file.slice(start, start + upload.partSize(number));
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      var stall = null;
      var settled = false;
      // A connection that stops moving without an error (a dead zone keeps
      // TCP waiting for minutes) is given up on and tried again.
      function watch() {
        clearTimeout(stall);
        stall = setTimeout(function () { xhr.abort(); }, setting("stallMs", 45000));
      }
      function end(error, value) {
        if (settled) return;
        settled = true;
        clearTimeout(stall);
        if (upload.xhr === xhr) upload.xhr = null;
        if (error) reject(error); else resolve(value);
      }
      upload.xhr = xhr;
      xhr.open(signed.method || "PUT", signed.url);
      var headers = signed.headers || {};
      Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      xhr.upload.addEventListener("progress", function (event) {
        watch();
        upload.sending = Math.min(event.loaded, blob.size);
        upload.showBytes();
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 300) {
          end(null, xhr.getResponseHeader("ETag"));
        } else {
          end(new Problem("retry", xhr.status >= 500
            ? busy(xhr.status)
            : interpolate(gettext("The upload was interrupted (HTTP %(status)s)."), {status: xhr.status}, true)));
        }
      });
      ["error", "abort", "timeout"].forEach(function (name) {
        xhr.addEventListener(name, function () {
          end(new Problem("retry", navigator.onLine === false ? OFFLINE : DROPPED));
        });
      });
      watch();
      xhr.send(blob);
    });
  };

  Upload.prototype.finish = async function (generation) {
    this.set("processing", gettext("Checking…"));
    var answer = expectOk(await api("POST", this.session.finish_url));
    this.still(generation);
    this.ok();
    this.phase = "check";
    this.pollDelay = 0;
    this.checkingSince = Date.now();
    this.answer(answer);
  };

  // The server's word on the upload (finish or status): done, or still being
  // checked (poll), or somehow waiting for bytes again.
  Upload.prototype.answer = function (status) {
    if (FINAL.indexOf(status.status) >= 0) {
      this.done(status);
    } else if (status.status === "pending") {
      this.phase = "send";
      this.recheck = true;
      this.again = true;
    } else {
      this.set("processing", gettext("Checking…"));
    }
  };

  // Ask how the check is going, every data-poll-ms at first, then less often
  // (up to data-poll-max-ms); `wait`, if given, instead of the next pause.
  Upload.prototype.poll = function (wait) {
    var upload = this;
    clearTimeout(upload.timer);
    if (wait === undefined) {
      upload.pollDelay = upload.pollDelay
        ? Math.min(upload.pollDelay * 1.5, setting("pollMaxMs", 5000))
        : setting("pollMs", 1000);
      wait = upload.pollDelay;
    }
    var generation = upload.generation;
    upload.timer = setTimeout(async function () {
      upload.timer = null;
      try {
        var status = expectOk(await api("GET", upload.session.status_url));
        upload.still(generation);
        upload.ok();
        upload.answer(status);
        if (upload.phase === "check") {
          if (Date.now() - upload.checkingSince < setting("giveUpMs", 10 * 60 * 1000)) upload.poll();
          else upload.giveUp(gettext("The server has not finished checking this photo.")); // Retry asks again
        }
      } catch (problem) {
        if (!(problem instanceof Problem)) throw problem;
        if (generation === upload.generation) upload.problem(problem);
      }
      if (upload.again) {
        upload.again = false;
        enqueue(upload);
      }
    }, wait);
  };

  Upload.prototype.problem = function (problem) {
    this.sending = 0;
    switch (problem.kind) {
      case "stopped":
        return;
      case "gone":
        stopAll(GONE);
        return;
      case "closed":
        this.done({status: "rejected", message: problem.message});
        lockForm(problem.message);
        return;
      case "refused":
        this.done({status: "rejected", message: problem.message});
        return;
      case "lost":
        // The server has forgotten this upload (or the album is gone, which
        // starting again will tell): start it again from the beginning.
        if (this.restarts < 2) {
          this.restarts += 1;
          this.session = null;
          this.stored = {};
          this.recheck = false;
          this.phase = "send";
          this.again = true;
          return;
        }
        break;
      case "conflict":
        // Finished already (an answer that was lost), or parts missing: look
        // again at once, a few times, before counting it as a failure.
        this.recheck = true;
        if (this.conflicts < 3) {
          this.conflicts += 1;
          this.again = true;
          return;
        }
        break;
    }
    this.recheck = true;
    this.failed(problem);
  };

  // A transient failure: try again after a pause that doubles from
  // data-retry-delay-ms to data-retry-max-delay-ms, for data-give-up-ms of
  // failing; then offer Retry (the file stays kept for the next visit).
  Upload.prototype.failed = function (problem) {
    var upload = this;
    var now = Date.now();
    if (!upload.failingSince) upload.failingSince = now;
    upload.failures += 1;
    var reason = navigator.onLine === false ? OFFLINE : problem.message;
    if (now - upload.failingSince >= setting("giveUpMs", 10 * 60 * 1000)) {
      // Translators: %(reason)s is what went wrong, a sentence such as "No connection.".
      upload.giveUp(interpolate(gettext("%(reason)s Not sent yet: tap Retry."), {reason: reason}, true));
      return;
    }
    var base = setting("retryDelayMs", 1000);
    var wait = Math.min(setting("retryMaxDelayMs", 60 * 1000), base * Math.pow(2, upload.failures - 1));
    if (problem.retryAfterMs !== undefined) wait = Math.max(wait, problem.retryAfterMs);
    upload.notBefore = problem.retryAfterMs !== undefined ? now + wait : 0;
    var seconds = Math.max(1, Math.round(wait / 1000));
    // Translators: %(reason)s is what went wrong, a sentence such as "No connection."; s: seconds.
    upload.set("retrying", interpolate(ngettext("%(reason)s Trying again in %(seconds)s s…", "%(reason)s Trying again in %(seconds)s s…", seconds), {reason: reason, seconds: seconds}, true));
    clearTimeout(upload.timer);
    upload.timer = setTimeout(function () {
      upload.timer = null;
      enqueue(upload);
    }, wait);
  };

  // Stop trying by itself and offer Retry (and the connection coming back
  // tries again too).
  Upload.prototype.giveUp = function (message) {
    var upload = this;
    clearTimeout(upload.timer);
    upload.timer = null;
    upload.recheck = true;
    upload.set("failed", message);
    var button = el("button", "button button-secondary", gettext("Retry"));
    button.type = "button";
    button.setAttribute("aria-label", interpolate(gettext("Retry %(name)s"), {name: upload.name}, true));
    button.addEventListener("click", function () {
      upload.ok();
      enqueue(upload);
    });
    upload.item.appendChild(button);
  };

  Upload.prototype.done = function (result) {
    clearTimeout(this.timer);
    this.timer = null;
    this.phase = "done";
    forget(this);
    var name = this.name;
    var message = result.status === "rejected"
      ? sentence(String(result.message || gettext("Refused")).replace(name + ": ", ""))
      : result.status === "duplicate" ? gettext("Already in the album.") : gettext("Added.");
    this.set(result.status, message);
    if (result.photo && result.photo.thumbnail_url) {
      var link = el("a");
      link.href = result.photo.viewer_url;
      var img = el("img", "upload-thumb");
      img.alt = "";
      img.width = 64;
      img.height = 64;
      link.setAttribute("aria-label", interpolate(gettext("Open %(name)s"), {name: name}, true));
      link.appendChild(img);
      // The preview stays until the thumbnail has come, so the row never
      // goes blank in between.
      var shown = this.thumb;
      var swap = function () { if (shown.isConnected) shown.replaceWith(link); };
      img.addEventListener("load", swap);
      img.addEventListener("error", swap);
      img.src = result.photo.thumbnail_url;
      this.thumb = link;
      if (result.status === "added") addToGrid(result.photo, name);
    }
    // The card's "Get the album link when it's ready" (guest_email.js).
    if (result.status === "added") {
      card.dispatchEvent(new CustomEvent("partyshots:upload-added", {bubbles: true}));
    }
    if (this.releaseLock) this.releaseLock();
  };

  // ---- The queue ----------------------------------------------------------------

  function enqueue(upload) {
    if (stopped || upload.final()) return;
    clearTimeout(upload.timer);
    upload.timer = null;
    if (upload.queued || upload.active) return;
    upload.queued = true;
    upload.set(upload.phase === "check" ? "processing" : "pending",
      upload.phase === "check" ? gettext("Checking…") : gettext("Waiting…"));
    queue.push(upload);
    pump();
  }

  function pump() {
    while (!stopped && running < (answered ? setting("parallel", 3) : 1) && queue.length) {
      launch(queue.shift());
    }
    updateSummary();
  }

  function launch(upload) {
    upload.queued = false;
    upload.active = true;
    running += 1;
    upload.run().then(function () {
      upload.active = false;
      running -= 1;
      if (upload.again) {
        upload.again = false;
        enqueue(upload);
      } else if (!stopped && upload.phase === "check" && upload.state === "processing" && !upload.timer) {
        upload.poll(); // sent and being checked: poll without holding a slot
      }
      pump();
    });
  }

  // The connection is back, or the page is shown again: go on at once.
  function resumeNow() {
    if (stopped) return;
    uploads.forEach(function (upload) {
      if (upload.state === "retrying" || upload.state === "failed") {
        if (upload.notBefore > Date.now()) return;
        if (upload.state === "failed") upload.ok();
        upload.failures = 0;
        enqueue(upload);
      } else if (upload.state === "processing" && upload.timer && !upload.active) {
        upload.poll(0);
      }
    });
  }

  function stopAll(message) {
    stopped = true;
    queue = [];
    uploads.forEach(function (upload) {
      if (upload.final()) return;
      upload.generation += 1;
      if (upload.xhr) upload.xhr.abort();
      upload.queued = false;
      upload.done({status: "rejected", message: message});
    });
    forgetAlbum(); // and those kept but not shown (another tab has them)
    lockForm(message);
  }

  function count(states) {
    return uploads.filter(function (upload) { return states.indexOf(upload.state) >= 0; }).length;
  }

  function inState(states) {
    return uploads.filter(function (upload) { return states.indexOf(upload.state) >= 0; });
  }

  // While files go: "3 of 12 photos added · 1 refused…". When all are done:
  // "11 photos added · 1 refused", then " – details" once the rows fold.
  function summaryLine() {
    var done = inState(["added"]);
    var duplicates = inState(["duplicate"]).length;
    var refused = inState(["rejected"]).length;
    var failed = inState(["failed"]).length;
    var parts = [];
    if (working) {
      parts.push(addedOf(done.length + duplicates, uploads));
    } else if (done.length) {
      parts.push(added(done));
    } else if (!duplicates) {
      parts.push(gettext("Nothing added"));
    }
    if (duplicates && !working) {
      parts.push(interpolate(ngettext("%(count)s already in the album", "%(count)s already in the album", duplicates), {count: duplicates}, true));
    }
    if (refused) parts.push(interpolate(ngettext("%(count)s refused", "%(count)s refused", refused), {count: refused}, true));
    if (failed) {
      parts.push(interpolate(ngettext("%(count)s not sent: tap Retry", "%(count)s not sent: tap Retry", failed), {count: failed}, true));
    }
    return parts.join(" · ") + (working ? "…" : "");
  }

  function updateSummary() {
    keepAwake();
    if (!uploads.length) return;
    var wasWorking = working;
    working = count(WORKING) > 0;
    summary.hidden = false;
    summaryText.textContent = summaryLine();
    // Put in or taken out, never moved: a button keeps its focus.
    showIn(summary, details, folded, retryAllSpace);
    showIn(summary, retryAllSpace, !working && count(["failed"]) >= 2, null);
    card.classList.add("has-uploads"); // the card's frame comes back around the rows
    card.classList.toggle("is-uploading", working);
    showTimeLeft(true);
    if (working) {
      clearTimeout(collapseTimer);
      collapseTimer = null;
    } else if (wasWorking) {
      // All done: say so once, and fold the rows a moment later.
      announce.textContent = summaryLine() + ".";
      clearTimeout(collapseTimer);
      collapseTimer = setTimeout(collapse, setting("collapseMs", 1200));
    }
    if (restoredCount && !working && !notice.hidden) {
      notice.textContent = interpolate(ngettext("Resumed %(count)s photo from your last visit.", "Resumed %(count)s photos from your last visit.", restoredCount), {count: restoredCount}, true);
    }
  }

  function showIn(parent, node, wanted, before) {
    if (wanted && node.parentNode !== parent) {
      parent.insertBefore(node, before && before.parentNode === parent ? before : null);
    } else if (!wanted && node.parentNode === parent) {
      node.remove();
    }
  }

  // Rows added or already there fold away ("details" opens them again);
  // refused and failed ones stay, with their reason and Retry.
  function collapse() {
    collapseTimer = null;
    if (working) return;
    folded = false;
    uploads.forEach(function (upload) {
      var done = upload.state === "added" || upload.state === "duplicate";
      upload.item.classList.toggle("is-settled", done);
      if (done) folded = true;
    });
    showDetails(expanded);
    updateSummary();
  }

  function showDetails(open) {
    expanded = open;
    list.classList.toggle("is-collapsed", !open);
    detailsButton.setAttribute("aria-expanded", open ? "true" : "false");
    detailsButton.textContent = open ? gettext("hide details") : gettext("details");
  }

  detailsButton.addEventListener("click", function () {
    showDetails(!expanded);
  });

  retryAll.addEventListener("click", function () {
    inState(["failed"]).forEach(function (upload) {
      upload.ok();
      enqueue(upload);
    });
  });

  // The time left for everything still to send: the bytes left over the
  // rates of the files going now (the queue goes as fast once they're done).
  // Worked out at most once a second, and only shown, never announced.
  var leftShownAt = 0;
  function showTimeLeft(now) {
    if (!now && Date.now() - leftShownAt < 1000) return;
    leftShownAt = Date.now();
    var bytesLeft = 0;
    var rate = 0;
    uploads.forEach(function (upload) {
      if (WORKING.indexOf(upload.state) < 0 || upload.phase !== "send") return;
      bytesLeft += upload.size - upload.sent();
      if (upload.rateKnown()) rate += upload.rate;
    });
    var left = working && rate > 0 && bytesLeft > 0 ? aboutLeft(bytesLeft / rate) : "";
    summaryLeft.textContent = left ? " " + left : "";
  }

  function lockForm(message) {
    var text = message || gettext("Uploads are closed.");
    if (form.isConnected) {
      var locked = el("p", "upload-locked", text);
      locked.setAttribute("role", "status");
      form.replaceWith(locked);
    }
    queue.forEach(function (upload) {
      upload.queued = false;
      upload.done({status: "rejected", message: text});
    });
    queue = [];
  }

  // New photos go where the album's order puts them, as they will be after a
  // reload: static/js/album.js places them (or, further down than the grid
  // has loaded, only counts them). Without it, first in the grid, made if
  // the album was empty.
  function addToGrid(photo, filename) {
    if (window.PartyShotsAlbum && window.PartyShotsAlbum.addOwn(photo)) return;
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
    if (photo.srcset) {
      // As the album page's tiles: the small square where it is sharp enough.
      // Before src, so the browser chooses once.
      img.sizes = photo.sizes;
      img.srcset = photo.srcset;
    }
    img.src = photo.thumbnail_url;
    if (!photo.is_video) img.alt = interpolate(gettext("Photo you just added: %(filename)s"), {filename: filename}, true);
    else if (!photo.duration_label) img.alt = interpolate(gettext("Video you just added: %(filename)s"), {filename: filename}, true);
    else {
      // Translators: %(duration)s is the clip's length, "0:12".
      img.alt = interpolate(gettext("Video, %(duration)s you just added: %(filename)s"),
        {duration: photo.duration_label, filename: filename}, true);
    }
    link.appendChild(img);
    if (photo.is_video) {
      // As the album page marks a clip (templates/albums/album.html).
      link.className = "video-tile";
      link.setAttribute("data-video", "");
      var mark = el("span", "video-mark");
      mark.setAttribute("aria-hidden", "true");
      link.appendChild(mark);
      if (photo.duration_label) {
        var length = el("span", "video-duration", photo.duration_label);
        length.setAttribute("aria-hidden", "true");
        link.appendChild(length);
      }
    }
    item.appendChild(link);
    grid.insertBefore(item, grid.firstChild);
  }

  function send(files) {
    if (stopped || !form.isConnected) return;
    Array.prototype.forEach.call(files, function (file) {
      var upload = new Upload(file);
      uploads.push(upload);
      claim(upload, false);
      remember(upload, true);
      enqueue(upload);
    });
    input.value = "";
    firstUse();
  }

  // ---- Previews -------------------------------------------------------------------
  // Made one at a time, so thirty photos chosen at once never hold thirty
  // decoded images: each is drawn onto a small canvas (a 64 px square at 3x)
  // and let go.

  var SVG_NS = "http://www.w3.org/2000/svg";
  var ICONS = {
    photo: "M3 5h18v14H3z M3 16l5-5 4 4 3-3 6 6 M16 9.5a1.5 1.5 0 1 0 0.01 0",
    video: "M3 6h13v12H3z M16 10.5l5-3v9l-5-3",
    file: "M6 3h8l4 4v14H6z M14 3v4h4",
  };
  var PREVIEW_PIXELS = 192;
  var previews = Promise.resolve();

  // Shown at once: an icon of the file's kind and its extension ("HEIC").
  function placeholder(kind, name) {
    var box = el("span", "upload-thumb-placeholder upload-preview");
    box.setAttribute("aria-hidden", "true");
    box.dataset.preview = "icon";
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "upload-preview-icon");
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[kind] || ICONS.file);
    svg.appendChild(path);
    box.appendChild(svg);
    var extension = extensionOf(name);
    if (extension) box.appendChild(el("span", "upload-preview-label", extension.toUpperCase().slice(0, 4)));
    return box;
  }

  function preview(upload) {
    if (upload.kind === "file") return;
    previews = previews.then(function () {
      if (upload.thumb.dataset.preview !== "icon") return null; // the thumbnail came first
      return drawPreview(upload.file, upload.kind).then(function (canvas) {
        var box = upload.thumb;
        if (!canvas || box.dataset.preview !== "icon" || !box.classList.contains("upload-preview")) return;
        box.replaceChildren(canvas);
        box.dataset.preview = upload.kind;
      });
    }).catch(function () { /* the icon stays */ });
  }

  // The middle square of a photo or a clip's frame, on a canvas; null if
  // the browser can't show it.
  function drawPreview(file, kind) {
    return (kind === "video" ? videoFrame(file) : photoBitmap(file)).then(function (source) {
      if (!source) return null;
      try {
        var canvas = el("canvas", "upload-preview-image");
        canvas.width = PREVIEW_PIXELS;
        canvas.height = PREVIEW_PIXELS;
        var side = Math.min(source.width, source.height);
        canvas.getContext("2d").drawImage(source.image,
          (source.width - side) / 2, (source.height - side) / 2, side, side,
          0, 0, PREVIEW_PIXELS, PREVIEW_PIXELS);
        return canvas;
      } finally {
        source.release();
      }
    });
  }

  // A photo decoded the right way up (its EXIF orientation), 384 px wide
  // where the browser can decode it small; null for one it can't (HEIC in
  // Chrome and Firefox).
  function photoBitmap(file) {
    if (!window.createImageBitmap) return Promise.resolve(null);
    return createImageBitmap(file, {resizeWidth: 384, resizeQuality: "medium"})
      .catch(function (error) {
        if (error && error.name === "TypeError") return createImageBitmap(file); // options not known
        throw error;
      })
      .then(function (bitmap) {
        return {
          image: bitmap, width: bitmap.width, height: bitmap.height,
          release: function () { if (bitmap.close) bitmap.close(); },
        };
      }, function () { return null; });
  }

  // A frame a second in (the first of a shorter clip), as the server's poster
  // is made, from an object URL revoked once it is drawn; null if the browser
  // can't play the clip, or hasn't in 5 s.
  function videoFrame(file) {
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(file);
      var video = document.createElement("video");
      var settled = false;
      var timer = setTimeout(function () { finish(false); }, 5000);
      function release() {
        video.removeAttribute("src");
        video.load();
        URL.revokeObjectURL(url);
      }
      function finish(ok) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!ok || !video.videoWidth) {
          release();
          resolve(null);
          return;
        }
        resolve({image: video, width: video.videoWidth, height: video.videoHeight, release: release});
      }
      video.muted = true;
      video.playsInline = true;
      video.preload = "auto";
      video.addEventListener("loadeddata", function () {
        var at = Math.min(1, (video.duration || 0) / 2);
        if (at > 0.05) video.currentTime = at;
        else finish(true);
      });
      video.addEventListener("seeked", function () { finish(true); });
      video.addEventListener("error", function () { finish(false); });
      video.src = url;
    });
  }

  // ---- The guest's name --------------------------------------------------------------
  // Asked once, after the first files are chosen (they go at once, and the
  // name is given to them when it comes: data-name-url), then a line:
  // "Adding as Dana · change". Remembered in the session (the server) and in
  // localStorage (for a later visit in a new session).

  var NAME_KEY = "partyshots-guest-name";
  var ASKED_KEY = "partyshots-guest-name-asked";
  var nameRow = nameField && nameField.closest("[data-guest-name]");
  var nameLine = el("p", "upload-as");
  nameLine.hidden = true;
  var savedName = null; // what the server was last told, once told

  function kept(key) {
    try { return localStorage.getItem(key) || ""; } catch (e) { return ""; }
  }

  function keep(key, value) {
    try {
      if (value) localStorage.setItem(key, value);
      else localStorage.removeItem(key);
    } catch (e) { /* private mode: the session still has it */ }
  }

  function showNameLine() {
    var name = guestName();
    // Translators: a link-like button after "Adding as Dana · ".
    var change = el("button", "link-button", name ? gettext("change") : gettext("add your name"));
    change.type = "button";
    change.setAttribute("aria-label", name ? gettext("Change your name") : gettext("Add your name"));
    change.addEventListener("click", function () { askName(true); });
    nameLine.replaceChildren();
    if (name) {
      // Translators: who the photos being uploaded are from, "Adding as Dana".
      appendFormat(nameLine, gettext("Adding as %(name)s"), "name", el("strong", "", name));
      nameLine.append(" · ", change);
    } else {
      nameLine.append(gettext("Adding without a name"), " · ", change);
    }
    if (nameRow) nameRow.remove();
    nameLine.hidden = false;
  }

  // A translated `format` into `parent`, with `node` where %(<name>)s is.
  function appendFormat(parent, format, name, node) {
    var parts = format.split("%(" + name + ")s");
    if (parts.length < 2) parts = [format + " ", ""]; // a translation without it
    if (parts[0]) parent.append(parts[0]);
    parent.append(node);
    var rest = parts.slice(1).join("");
    if (rest) parent.append(rest);
  }

  function askName(focus) {
    keep(ASKED_KEY, "1");
    card.classList.add("has-uploads");
    nameLine.hidden = true;
    if (!nameRow.isConnected) nameLine.parentNode.insertBefore(nameRow, nameLine);
    if (focus) nameField.focus();
  }

  function saveName(fold) {
    var name = guestName();
    nameField.value = name;
    keep(NAME_KEY, name);
    if (fold) showNameLine();
    if (name !== savedName) tellName(name);
  }

  // The server remembers it and gives it to the files that went without.
  function tellName(name) {
    if (!form.dataset.nameUrl) return;
    savedName = name;
    api("POST", form.dataset.nameUrl, {guest_name: name}).catch(function () {
      savedName = null; // said again with the next change, and sent with each upload anyway
    });
  }

  // A file that started without the name, answered after the name was
  // given: the server may have named this guest's files just before it
  // recorded this one, so it is told the name once more (the last of a few
  // such answers close together).
  var nameAgainTimer = null;
  function nameAgain() {
    clearTimeout(nameAgainTimer);
    nameAgainTimer = setTimeout(function () {
      if (guestName()) tellName(guestName());
    }, 200);
  }

  function firstUse() {
    if (!nameRow) return;
    if (guestName()) showNameLine();
    else if (!kept(ASKED_KEY)) askName(false); // not focused: no keyboard popping up
    else if (!nameRow.isConnected) showNameLine();
  }

  if (nameRow) {
    var pick = form.querySelector(".upload-pick");
    pick.parentNode.insertBefore(nameLine, pick.nextSibling);
    var nameDone = el("button", "button button-secondary upload-name-done", gettext("Done"));
    nameDone.type = "button";
    nameRow.appendChild(nameDone);
    nameDone.addEventListener("click", function () { saveName(true); });
    nameField.addEventListener("change", function () { saveName(false); });
    nameField.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault(); // not the form's submit, which would open the picker
      saveName(true);
    });
    // The session's name (the page filled it in), else the one this phone kept.
    if (guestName()) keep(NAME_KEY, guestName());
    else nameField.value = kept(NAME_KEY);
    if (guestName()) showNameLine(); // a line, not a form, on every later visit
    else nameRow.remove();
  }

  // ---- Keeping the queue across visits (IndexedDB) ------------------------------
  // Two stores: "uploads" (what the page knows of each file: id, album code,
  // name, size, type, guest name, the server's start answer and the parts
  // sent, shown until the server says which it has) and "files"
  // (the File itself under the same id), so updating the first never copies
  // the file again. Every operation goes through `database`, in call order.

  var KEEP_DAYS = 14;
  var database = openDatabase();

  function openDatabase() {
    return new Promise(function (resolve) {
      try {
        var request = indexedDB.open("partyshots-uploads", 1);
        request.onupgradeneeded = function () {
          var db = request.result;
          db.createObjectStore("uploads", {keyPath: "id"}).createIndex("album", "album");
          db.createObjectStore("files");
        };
        request.onsuccess = function () {
          var db = request.result;
          db.onversionchange = function () { db.close(); };
          resolve(db);
        };
        request.onerror = function () { resolve(null); };
      } catch (e) {
        resolve(null); // no IndexedDB (private mode, blocked storage): work without
      }
    });
  }

  // Run `work(transaction)` on the stores; resolves with what it returns once
  // the transaction completed, or null if it could not (quota, no database).
  function transact(mode, work) {
    return database.then(function (db) {
      if (!db) return null;
      return new Promise(function (resolve) {
        try {
          var transaction = db.transaction(["uploads", "files"], mode);
          var result = work(transaction);
          transaction.oncomplete = function () { resolve(result); };
          transaction.onabort = function () { resolve(null); };
        } catch (e) {
          resolve(null);
        }
      });
    });
  }

  function remember(upload, withFile) {
    if (upload.phase === "done") return;
    var record = {
      id: upload.id,
      album: albumCode,
      name: upload.name,
      size: upload.size,
      type: upload.type,
      guestName: upload.guestName,
      session: upload.session,
      stored: upload.stored,
      saved: Date.now(),
    };
    transact("readwrite", function (transaction) {
      transaction.objectStore("uploads").put(record);
      if (withFile) transaction.objectStore("files").put(upload.file, upload.id);
    });
  }

  function forget(upload) {
    transact("readwrite", function (transaction) {
      transaction.objectStore("uploads").delete(upload.id);
      transaction.objectStore("files").delete(upload.id);
    });
  }

  function forgetAlbum() {
    transact("readwrite", function (transaction) {
      var filesStore = transaction.objectStore("files");
      transaction.objectStore("uploads").index("album").openCursor(albumCode).onsuccess = function (event) {
        var cursor = event.target.result;
        if (!cursor) return;
        filesStore.delete(cursor.primaryKey);
        cursor.delete();
        cursor.continue();
      };
    });
  }

  // This album's kept files ({record, file} each, oldest first); records of
  // any album older than KEEP_DAYS, or whose file is gone, are dropped.
  function keptFiles() {
    var oldest = Date.now() - KEEP_DAYS * 24 * 3600 * 1000;
    return transact("readwrite", function (transaction) {
      var found = [];
      var uploadsStore = transaction.objectStore("uploads");
      var filesStore = transaction.objectStore("files");
      uploadsStore.openCursor().onsuccess = function (event) {
        var cursor = event.target.result;
        if (!cursor) return;
        var record = cursor.value;
        if (!(record.saved > oldest)) {
          cursor.delete();
          filesStore.delete(record.id);
        } else if (record.album === albumCode) {
          var entry = {record: record, file: null};
          found.push(entry);
          filesStore.get(record.id).onsuccess = function (got) {
            entry.file = got.target.result || null;
            if (!entry.file) {
              uploadsStore.delete(record.id);
            }
          };
        }
        cursor.continue();
      };
      return found;
    }).then(function (found) {
      return (found || []).filter(function (entry) { return entry.file; })
        .sort(function (a, b) { return a.record.saved - b.record.saved; });
    });
  }

  // One tab at a time sends a file: a Web Lock named after it, held until it
  // is done (or the tab goes). Resolves whether this tab has it.
  function claim(upload, onlyIfFree) {
    if (!navigator.locks || !navigator.locks.request) return Promise.resolve(true);
    return new Promise(function (resolve) {
      navigator.locks.request("partyshots-upload-" + upload.id, {ifAvailable: !!onlyIfFree}, function (lock) {
        if (!lock) {
          resolve(false);
          return null;
        }
        resolve(true);
        return new Promise(function (release) { upload.releaseLock = release; });
      }).catch(function () { resolve(true); });
    });
  }

  // Files kept from an earlier visit (a reload, a killed tab) go on by
  // themselves. One another tab is sending is looked at again later: when
  // that tab finishes it, it is gone from the store; when that tab closes, it
  // is free for this one.
  var waitingFor = {};
  function resumeKept(attempt) {
    keptFiles().then(function (entries) {
      var later = false;
      var claims = entries.map(function (entry) {
        var id = entry.record.id;
        var known = uploads.some(function (upload) { return upload.id === id; });
        if (known || stopped) return Promise.resolve(null);
        var probe = {id: id};
        return claim(probe, true).then(function (mine) {
          if (!mine) {
            later = true;
            return null;
          }
          delete waitingFor[id];
          var upload = new Upload(entry.file, entry.record);
          upload.releaseLock = probe.releaseLock;
          return upload;
        });
      });
      return Promise.all(claims).then(function (resumed) {
        resumed = resumed.filter(Boolean);
        if (resumed.length) {
          restoredCount += resumed.length;
          notice.textContent = interpolate(ngettext("Resuming %(count)s photo from your last visit.", "Resuming %(count)s photos from your last visit.", restoredCount), {count: restoredCount}, true);
          notice.hidden = false;
          resumed.forEach(function (upload) {
            uploads.push(upload);
            if (upload.session) answered = true;
            enqueue(upload);
          });
        }
        if (later) setTimeout(function () { resumeKept(attempt + 1); }, attempt < 5 ? 1000 : 5000);
      });
    });
  }
  resumeKept(0);

  // ---- Screen on while uploading, and not leaving by mistake ------------------

  var wakeLock = null;
  var wakeLockAsked = false;

  function keepAwake() {
    var want = count(WORKING) > 0 && document.visibilityState === "visible";
    if (want && !wakeLock && !wakeLockAsked && navigator.wakeLock) {
      wakeLockAsked = true;
      navigator.wakeLock.request("screen").then(function (sentinel) {
        wakeLockAsked = false;
        wakeLock = sentinel;
        sentinel.addEventListener("release", function () {
          if (wakeLock === sentinel) wakeLock = null;
        });
        keepAwake(); // finished meanwhile: let it go again
      }, function () {
        wakeLockAsked = false; // refused (battery saver, hidden page): fine
      });
    } else if (!want && wakeLock && count(WORKING) === 0) {
      var held = wakeLock;
      wakeLock = null;
      held.release().catch(function () {});
    }
  }

  window.addEventListener("beforeunload", function (event) {
    if (!count(UNFINISHED)) return;
    event.preventDefault();
    event.returnValue = gettext("Photos are still uploading. Leave anyway?");
    return event.returnValue;
  });
  window.addEventListener("online", resumeNow);
  window.addEventListener("offline", function () {
    // Whatever is in flight will not arrive: try again as soon as it can.
    uploads.forEach(function (upload) { if (upload.xhr) upload.xhr.abort(); });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") return;
    keepAwake(); // the system lets the lock go while the page is hidden
    resumeNow();
  });

  // ---- Choosing and dropping files ---------------------------------------------

  // Drag and drop: only drags that carry files count (text, links and images
  // dragged within the page are left alone).
  var zone = form.closest(".upload") || card;
  var depth = 0; // dragenter/dragleave also fire for every child crossed

  function carriesFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return !!types && Array.prototype.indexOf.call(types, "Files") >= 0;
  }

  function accepting() {
    return form.isConnected && !stopped; // lockForm() removes it when uploads close
  }

  function highlight(on) {
    zone.classList.toggle("is-dragover", on);
  }

  // "or drop them here", beside the button, only where a mouse can drag:
  // never on a touch-only phone, and gone if that changes (a tablet's
  // keyboard and trackpad taken off).
  // Translators: beside the button that chooses photos to add.
  var dropHint = el("span", "upload-drop-hint", gettext("or drop them here"));
  var canDrop = window.matchMedia ? window.matchMedia("(hover: hover) and (pointer: fine)") : null;
  function placeDropHint() {
    var pickRow = form.querySelector(".upload-pick");
    if (canDrop && canDrop.matches && pickRow) pickRow.appendChild(dropHint);
    else dropHint.remove();
  }
  placeDropHint();
  if (canDrop && canDrop.addEventListener) canDrop.addEventListener("change", placeDropHint);

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
  // Photos chosen while this script was still on its way go now.
  if (input.files && input.files.length) send(input.files);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (input.files.length) send(input.files);
    else input.click();
  });
})();
