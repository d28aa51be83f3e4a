// A live room, for viewers (/live/{id}) and for the host console (/merchant/live/{id}): the video
// (hls.js, or the browser's own HLS), and the room's events over Server-Sent Events: comments,
// likes, viewers, card changes, order notices, deals and the end of the session. No reload.
(function () {
  "use strict";
  var root = document.querySelector("[data-room][data-events]");
  if (!root) return;
  var part = function (name) { return root.querySelector('[data-live="' + name + '"]'); };
  var seen = {};
  var MAX_COMMENTS = 200;

  function setText(name, value) {
    var el = part(name);
    if (el) el.textContent = String(value);
  }

  function toast(text) {
    var el = part("toast");
    if (!el) return;
    el.textContent = text;
    el.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { el.hidden = true; }, 4000);
  }

  function addComment(c) {
    var list = part("comments");
    if (!list || seen[c.id]) return;
    seen[c.id] = true;
    var li = document.createElement("li");
    li.dataset.commentId = String(c.id);
    var who = document.createElement("strong");
    who.textContent = c.author;
    li.appendChild(who);
    li.appendChild(document.createTextNode(" " + c.text));
    if (c.shown === false) {
      // held by the content checks: only its author sees it, marked so
      li.className = "held";
      li.dataset.testid = "live-comment-held";
      var note = document.createElement("small");
      note.textContent = root.dataset.msgHeld || "";
      li.appendChild(note);
    }
    list.appendChild(li);
    while (list.children.length > MAX_COMMENTS) list.removeChild(list.firstChild);
    list.scrollTop = list.scrollHeight;
    var count = part("comment-count");
    if (count) count.textContent = String(Number(count.textContent || 0) + 1);
  }

  function refreshCards() {
    var el = part("cards");
    if (!el || !root.dataset.cards) return;
    fetch(root.dataset.cards, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        el.innerHTML = html;
        el.dataset.version = String(Number(el.dataset.version || 0) + 1);
      });
  }

  function refreshCoupons() {
    var el = part("coupons");
    if (!el || !root.dataset.coupons) return;
    fetch(root.dataset.coupons, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        el.innerHTML = html;
        el.dataset.version = String(Number(el.dataset.version || 0) + 1);
      });
  }

  function refreshMetrics() {
    var el = part("metrics");
    if (!el || !el.dataset.metrics) return;
    fetch(el.dataset.metrics, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) el.innerHTML = html; });
  }

  function onViewers(n) {
    setText("viewers", n);
    var peak = part("peak");
    if (peak && n > Number(peak.textContent || 0)) peak.textContent = String(n);
  }

  function listen() {
    if (!window.EventSource) return;
    var source = new EventSource(root.dataset.events);
    var read = function (e) { return JSON.parse(e.data); };
    source.addEventListener("state", function (e) {
      var room = read(e);
      if (room.status !== root.dataset.status) { window.location.reload(); return; }
      onViewers(room.viewers);
      if (room.session) setText("likes", room.session.likes);
    });
    source.addEventListener("comment", function (e) { addComment(read(e)); });
    source.addEventListener("hidden", function (e) {
      // a reviewer removed the comment: it leaves every viewer's list at once
      var li = root.querySelector('[data-comment-id="' + String(Number(read(e).id)) + '"]');
      if (li) li.remove();
    });
    source.addEventListener("like", function (e) { setText("likes", read(e).likes); });
    source.addEventListener("viewers", function (e) { onViewers(read(e).viewers); });
    source.addEventListener("card", refreshCards);
    source.addEventListener("coupon", function (e) {
      var c = read(e);
      if (c.left === c.quantity) toast(root.dataset.msgCoupon || "");
      refreshCoupons();
    });
    source.addEventListener("order", function (e) {
      var o = read(e);
      refreshMetrics();
      toast((root.dataset.msgOrder || "{buyer}").replace("{buyer}", o.buyer).replace("{product}", o.product));
    });
    source.addEventListener("deal", function (e) {
      var d = read(e);
      toast((root.dataset.msgDeal || "{title}").replace("{title}", d.title || d.product_title || ""));
    });
    source.addEventListener("ended", function () {
      var el = part("ended");
      if (el) { el.textContent = root.dataset.msgEnded || ""; el.hidden = false; }
      root.dataset.ended = "1";
      source.close();
      var compose = part("compose");
      if (compose) compose.hidden = true;
    });
  }

  function play() {
    var video = root.querySelector("video[data-src]");
    if (!video) return;
    var src = video.dataset.src;
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({ enableWorker: false });
      hls.loadSource(src);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = src;
    }
    // The demo's sample playlist ends (#EXT-X-ENDLIST): start it again, as a live room never stops.
    video.addEventListener("ended", function () { video.currentTime = 0; video.play(); });
    var started = video.play();
    if (started && started.catch) started.catch(function () {});
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": root.dataset.csrf || "" },
      body: JSON.stringify(body),
    });
  }

  function compose() {
    var form = part("compose");
    if (!form) return;
    var error = part("compose-error");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var input = form.elements.text;
      var text = input.value;
      if (!text.trim()) return;
      post(form.dataset.action, { text: text }).then(function (r) {
        if (r.ok) {
          input.value = "";
          if (error) error.hidden = true;
          return r.json().then(addComment);
        }
        var msg = r.status === 429 ? root.dataset.msgFast : r.status === 409 ? root.dataset.msgClosed
          : r.status === 422 ? root.dataset.msgRefused : root.dataset.msgFailed;
        if (error) { error.textContent = msg || ""; error.hidden = false; }
      });
    });
    var like = form.querySelector("[data-like]");
    if (like) {
      like.addEventListener("click", function () {
        post(like.dataset.like, { taps: 1 }).then(function (r) {
          if (r.ok) r.json().then(function (d) { setText("likes", d.likes); });
        });
      });
    }
  }

  function remind() {
    var button = root.querySelector("[data-remind]");
    if (!button) return;
    button.addEventListener("click", function () {
      post(button.dataset.remind, {}).then(function (r) {
        if (r.ok) { button.textContent = button.dataset.done; button.disabled = true; }
      });
    });
  }

  function claims() {
    var list = part("coupons");
    if (!list) return;
    list.addEventListener("click", function (e) {
      var button = e.target.closest("[data-claim]");
      if (!button) return;
      button.disabled = true;
      post(button.dataset.claim, {}).then(function (r) {
        toast(r.ok ? root.dataset.msgCouponGot : root.dataset.msgCouponFailed);
        refreshCoupons();
      });
    });
  }

  play();
  listen();
  claims();
  compose();
  remind();
})();
