// Countdowns to ship-by deadlines. The server's clock may run ahead of the browser's (demo
// mode), so each countdown measures from the server time it was rendered with.
(function () {
  function fmt(ms) {
    var late = ms < 0, s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
    var zh = document.documentElement.lang === "zh-CN";
    var text = (d ? d + (zh ? "天" : "d ") : "") + h + (zh ? "小时" : "h ") + m + (zh ? "分" : "m ") + sec + (zh ? "秒" : "s");
    return late ? (zh ? "已超时 " : "overdue by ") + text : (zh ? "剩余 " : "") + text + (zh ? "" : " left");
  }
  function tick() {
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      if (!el.dataset.offset) el.dataset.offset = String(Date.parse(el.dataset.now) - Date.now());
      var ms = Date.parse(el.dataset.deadline) - (Date.now() + Number(el.dataset.offset));
      el.textContent = fmt(ms);
      el.classList.toggle("late", ms < 0);
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
})();
