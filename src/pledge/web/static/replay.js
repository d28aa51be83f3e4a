// A live session's replay (/live/sessions/{id}/replay): the recording plays through hls.js (or the
// browser's own HLS), and a comment's time seeks the video to where it was said.
(function () {
  "use strict";
  var video = document.querySelector("video[data-replay]");
  if (!video) return;
  var src = video.dataset.replay;
  if (window.Hls && window.Hls.isSupported()) {
    var hls = new window.Hls({ enableWorker: false });
    hls.loadSource(src);
    hls.attachMedia(video);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = src;
  }
  document.querySelectorAll("[data-seek]").forEach(function (button) {
    button.addEventListener("click", function () {
      video.currentTime = Number(button.dataset.seek) || 0;
      var started = video.play();
      if (started && started.catch) started.catch(function () {});
    });
  });
})();
