(function () {
  "use strict";
  var table = document.getElementById("findings-table");
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var size = parseInt(table.getAttribute("data-page-size"), 10) || 100;
  var view = rows, page = 0;
  var q = document.getElementById("f-q"), fs = document.getElementById("f-status"),
    fv = document.getElementById("f-sev"), fr = document.getElementById("f-reach"),
    info = document.getElementById("f-info"), prev = document.getElementById("f-prev"),
    next = document.getElementById("f-next"), form = document.getElementById("controls");
  var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
  rows.forEach(function (r, i) { r.setAttribute("data-i", String(i)); });
  function draw() {
    var pages = Math.max(1, Math.ceil(view.length / size));
    if (page >= pages) page = pages - 1;
    var start = page * size, part = view.slice(start, start + size);
    var frag = document.createDocumentFragment();
    part.forEach(function (r) { frag.appendChild(r); });
    body.textContent = "";
    body.appendChild(frag);
    info.textContent = view.length === 0 ? "no matching findings" :
      (start + 1) + "\u2013" + (start + part.length) + " of " + view.length +
      (view.length === rows.length ? "" : " (filtered from " + rows.length + ")");
    info.setAttribute("data-shown", String(part.length));
    info.setAttribute("data-matching", String(view.length));
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }
  function filter() {
    var s = q.value.toLowerCase();
    view = rows.filter(function (r) {
      var i = +r.getAttribute("data-i");
      return (!s || texts[i].indexOf(s) >= 0) &&
        (!fs.value || r.getAttribute("data-status") === fs.value) &&
        (!fv.value || r.getAttribute("data-severity") === fv.value) &&
        (!fr.value || r.getAttribute("data-reach") === fr.value);
    });
    page = 0;
    draw();
  }
  function key(r, col) {
    var c = r.cells[col];
    return c.hasAttribute("data-s") ? c.getAttribute("data-s") : c.textContent.trim().toLowerCase();
  }
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    th.tabIndex = 0;
    function sort() {
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = key(a, col), y = key(b, col);
        return (x < y ? -1 : x > y ? 1 : (+a.getAttribute("data-i")) - (+b.getAttribute("data-i"))) * dir;
      });
      filter();
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
  });
  [q, fs, fv, fr].forEach(function (el) { el.addEventListener("input", filter); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  prev.addEventListener("click", function () { page -= 1; draw(); });
  next.addEventListener("click", function () { page += 1; draw(); });
  window.addEventListener("beforeprint", function () {
    var frag = document.createDocumentFragment();
    view.forEach(function (r) { frag.appendChild(r); });
    body.textContent = "";
    body.appendChild(frag);
  });
  window.addEventListener("afterprint", draw);
  form.hidden = false;
  filter();
})();
