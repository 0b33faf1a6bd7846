// Live updates for the Quell console: results arrive as Server-Sent Events
// from /ui/stream and update the rows and facts on the page that show the
// same action. Text is set with textContent only: nothing from the stream
// is ever parsed as HTML.
"use strict";

(function () {
  if (!document.body.dataset.live || !window.EventSource) return;
  var indicator = document.getElementById("live");
  var source = new EventSource("/ui/stream?since=" + encodeURIComponent(document.body.dataset.since || ""));
  source.onopen = function () { setLive(true); };
  source.onerror = function () { setLive(false); }; // EventSource reconnects by itself
  source.addEventListener("result", function (e) {
    var u;
    try { u = JSON.parse(e.data); } catch (err) { return; }
    update(u);
  });

  function setLive(on) {
    if (!indicator) return;
    indicator.className = "live " + (on ? "on" : "off");
    indicator.dataset.state = on ? "on" : "off";
  }

  function update(u) {
    var found = document.querySelectorAll('[data-action-id="' + CSS.escape(u.id) + '"]');
    found.forEach(function (el) {
      if (el.dataset.refresh && u.state !== "parked") { refresh(); return; }
      setState(el, u.state);
      var reason = el.querySelector('[data-field="reason"]');
      if (reason && el.tagName === "TR") reason.textContent = u.reason || "";
      if (el.tagName === "TR" && el.closest("#actions")) el.cells[0].textContent = when(u.finished_at);
      if (el.tagName === "TR") flash(el);
      if (el.closest("#parked") && u.state !== "parked") el.remove();
    });
    if (found.length === 0) prepend(u);
  }

  // refresh replaces the page's content with a fresh rendering of the
  // same page (the action's result, calls and ledger changed), without
  // reloading: the stream and the page's state stay.
  function refresh() {
    fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
        var main = document.querySelector("main");
        if (fresh && main) main.replaceWith(fresh);
      })
      .catch(function () { /* keep what is shown; the next result tries again */ });
  }

  function setState(el, state) {
    var st = el.querySelector('[data-field="state"]');
    if (!st) return;
    st.textContent = state;
    st.className = "st st-" + state;
  }

  function flash(row) {
    row.classList.remove("fresh");
    void row.offsetWidth; // restart the animation
    row.classList.add("fresh");
  }

  // prepend adds a new result to the unfiltered actions list.
  function prepend(u) {
    var body = document.getElementById("actions");
    if (!body || !body.dataset.prepend) return;
    var empty = body.querySelector("tr.empty");
    if (empty) empty.remove();
    var row = document.createElement("tr");
    row.dataset.actionId = u.id;
    var link = document.createElement("a");
    link.href = "/ui/actions/" + encodeURIComponent(u.id);
    link.textContent = u.id;
    var st = document.createElement("span");
    st.dataset.field = "state";
    cells(row, [when(u.finished_at), link, u.action, u.target, u.user, st, u.reason || ""]);
    row.lastChild.dataset.field = "reason";
    setState(row, u.state);
    body.insertBefore(row, body.firstChild);
    flash(row);
  }

  function cells(row, values) {
    values.forEach(function (v) {
      var td = document.createElement("td");
      if (typeof v === "string") td.textContent = v; else td.appendChild(v);
      row.appendChild(td);
    });
  }

  function when(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return "";
    return d.toISOString().replace("T", " ").slice(0, 19);
  }
})();
