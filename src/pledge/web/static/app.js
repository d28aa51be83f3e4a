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

// No inline script anywhere (the Content-Security-Policy forbids it): the small behaviours that
// templates once wrote inline live here, keyed by data attributes.
(function () {
  // "Go back" on error pages: back in history when there is one, else the link's own target.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[data-back]");
    if (link && window.history.length > 1) {
      e.preventDefault();
      window.history.back();
    }
  });
  // A region that refreshes itself (the merchant's order list) skips a refresh while one of
  // its fields has the focus or holds something typed and not yet sent: a refresh never
  // erases what the merchant is typing (a tracking number half entered).
  document.addEventListener("htmx:beforeRequest", function (e) {
    var region = e.detail.elt;
    if (!region || !region.matches || !region.matches("[data-keep-typing]")) return;
    var fields = region.querySelectorAll("input:not([type=hidden]), textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f === document.activeElement || changed(f)) { e.preventDefault(); return; }
    }
  });
  function changed(f) {
    if (f.tagName !== "SELECT") return f.value !== f.defaultValue;
    var initial = 0;
    for (var i = 0; i < f.options.length; i++) if (f.options[i].defaultSelected) initial = i;
    return f.selectedIndex !== initial;
  }
  // A form sent with htmx that empties itself once the server took it (204): the chat box.
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-reset-on-success]") || e.detail.xhr.status !== 204) return;
    form.reset();
    var error = form.querySelector(".error");
    if (error) error.textContent = "";
  });
})();
