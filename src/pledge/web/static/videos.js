// Short videos: count a play once per page view, like, and pick the poster frame on upload
// (the chosen frame drawn onto a canvas and sent as a JPEG; the image input is the fallback).
(function () {
  function csrf() {
    var el = document.querySelector("[data-csrf]");
    return el ? el.dataset.csrf : "";
  }

  document.querySelectorAll("video[data-play-url]").forEach(function (video) {
    var counted = false;
    video.addEventListener("play", function () {
      if (counted) return;
      counted = true;
      fetch(video.dataset.playUrl, { method: "POST", credentials: "same-origin" });
    });
  });

  document.querySelectorAll("[data-like-url]").forEach(function (button) {
    // One like per user: a liked button takes the like back (DELETE), else it likes (POST).
    button.addEventListener("click", function () {
      var method = button.dataset.liked === "1" ? "DELETE" : "POST";
      fetch(button.dataset.likeUrl, { method: method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf() } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (!body) return;
          button.querySelector("[data-like-count]").textContent = body.likes;
          button.dataset.liked = body.liked ? "1" : "0";
          button.setAttribute("aria-pressed", body.liked ? "true" : "false");
          button.classList.toggle("liked", body.liked);
        });
    });
  });

  var form = document.querySelector("form[data-video-upload]");
  if (!form) return;
  var picker = form.querySelector("[data-frame-picker]");
  var video = form.querySelector("[data-frame-video]");
  var range = form.querySelector("[data-frame-range]");
  var canvas = form.querySelector("[data-frame-canvas]");
  var chosen = false;

  function draw() {
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    chosen = true;
  }

  form.querySelector("input[name=video]").addEventListener("change", function (e) {
    var file = e.target.files[0];
    if (!file) return;
    video.src = URL.createObjectURL(file);
    video.addEventListener("loadeddata", function () { picker.hidden = false; draw(); }, { once: true });
  });
  range.addEventListener("input", function () {
    if (video.duration) video.currentTime = video.duration * range.value / 1000;
  });
  video.addEventListener("seeked", draw);

  form.addEventListener("submit", function (e) {
    var fallback = form.querySelector("input[name=poster]");
    if (!chosen || (fallback.files && fallback.files.length)) return; // the browser posts the form
    e.preventDefault();
    canvas.toBlob(function (blob) {
      var data = new FormData(form);
      data.set("poster", blob, "poster.jpg");
      fetch(form.action, { method: "POST", body: data, credentials: "same-origin" }).then(function (r) {
        if (r.redirected) { window.location = r.url; return; }
        return r.text().then(function (page) { // the translated error page, as a plain post shows it
          document.open();
          document.write(page);
          document.close();
        });
      });
    }, "image/jpeg", 0.85);
  });
})();
