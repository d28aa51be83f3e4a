// Countdowns to ship-by deadlines. The server's clock may run ahead of the browser's (demo
// mode), so each countdown measures from the server time it was rendered with.
(function () {
  // To the minute, as people say it: "剩余 11小时57分" / "11 h 57 min left" (issue 17).
  function fmt(ms) {
    var late = ms < 0, s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    var zh = document.documentElement.lang === "zh-CN";
    var parts = zh ? [[d, "天"], [h, "小时"], [m, "分"]] : [[d, " d"], [h, " h"], [m, " min"]];
    while (parts.length > 1 && parts[0][0] === 0) parts.shift();
    var text = parts.map(function (p) { return p[0] + p[1]; }).join(zh ? "" : " ");
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

// Phone layout: below 640 px a list table shows each row as a card (app.css); every cell carries
// its column's header as data-label so the card still says what each value is.
(function () {
  function label(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("table.list").forEach(function (table) {
      // The table's own rows only: a table inside a cell (a programme's rebate tiers) keeps its
      // own header, not the outer table's column names.
      var heads = table.querySelectorAll(":scope > thead > tr:last-child > th");
      if (!heads.length) return;
      var names = Array.prototype.map.call(heads, function (th) { return th.textContent.trim(); });
      table.querySelectorAll(":scope > tbody > tr, :scope > tfoot > tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          if (names[column] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[column]);
          column += cell.colSpan || 1;
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { label(document); });
  document.addEventListener("htmx:afterSwap", function (e) {
    var table = e.detail.target.closest ? e.detail.target.closest("table.list") : null;
    label(table ? table.parentNode : e.detail.target);
  });
})();
