// The order page's live part, pushed by the server (Server-Sent Events): every supply-chain step
// (picked, packed, labelled, picked up, in transit, delivered) appears without a reload. The
// element keeps its slow HTMX poll as a fallback; EventSource reconnects by itself.
(function () {
  if (!window.EventSource) return;
  document.querySelectorAll("[data-stream]").forEach(function (el) {
    var source = new EventSource(el.dataset.stream);
    source.addEventListener("update", function (e) {
      el.innerHTML = e.data;
      el.dataset.pushed = String(Number(el.dataset.pushed || 0) + 1);
    });
  });
})();
