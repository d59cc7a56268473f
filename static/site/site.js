/* kvartirabar: small enhancements; every page works without this script. */
(function () {
  "use strict";

  // Countdowns use the server's clock: offset = server now - browser now, taken at load.
  function parseTime(text) { return text ? Date.parse(text) : NaN; }
  var clockOffset = 0;
  function serverNow() { return Date.now() + clockOffset; }
  function setOffset(serverIso) {
    var server = parseTime(serverIso);
    if (!isNaN(server)) { clockOffset = server - Date.now(); }
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // The day unit comes from the page, in its language (site_words.countdown's twin).
  var dayUnit = document.body.getAttribute("data-day-unit") || "d";
  function formatLeft(ms) {
    if (ms <= 0) { return "0:00"; }
    var s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60), sec = s % 60;
    var text = (d ? d + " " + dayUnit + " " : "") + (d || h ? h + ":" + pad(m) : m) + ":" + pad(sec);
    return text;
  }
  function tick() {
    var nodes = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < nodes.length; i++) {
      var end = parseTime(nodes[i].getAttribute("data-end"));
      if (!isNaN(end)) { nodes[i].textContent = formatLeft(end - serverNow()); }
    }
  }
  var first = document.querySelector("[data-countdown][data-now]");
  if (first) { setOffset(first.getAttribute("data-now")); tick(); setInterval(tick, 1000); }

  // A confirm button sends its form once, even on a double tap.
  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector("[data-once]");
    if (!button) { return; }
    if (button.disabled) { event.preventDefault(); return; }
    setTimeout(function () { button.disabled = true; }, 0);
  });

  function poll(url, every, onData) {
    var failures = 0;
    var timer = null;
    var state = document.getElementById("live-state");
    function schedule(delay) { clearTimeout(timer); timer = setTimeout(run, delay); }
    function run() {
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          if (state) { state.textContent = ""; }
          if (onData(data) !== false) { schedule(every); }
        })
        .catch(function () {
          failures += 1;
          if (state) { state.textContent = state.getAttribute("data-offline"); }
          schedule(Math.min(every * Math.pow(2, failures), 20000));
        });
    }
    // Coming back online or to the tab: take a fresh snapshot at once.
    window.addEventListener("online", function () { schedule(0); });
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { schedule(0); }
    });
    schedule(every);
  }

  // The auction page: price, end time and history without a reload.
  var auction = document.getElementById("auction");
  if (auction && auction.getAttribute("data-live-url")) {
    var startStatus = auction.getAttribute("data-status");
    var lastTop = null;
    poll(auction.getAttribute("data-live-url"), 2500, function (data) {
      setOffset(data.now);
      var fields = auction.querySelectorAll("[data-live]");
      for (var i = 0; i < fields.length; i++) {
        var key = fields[i].getAttribute("data-live");
        if (data[key] !== undefined && data[key] !== null) { fields[i].textContent = data[key]; }
      }
      var countdown = auction.querySelector("[data-countdown]");
      if (countdown && data.status === "active") { countdown.setAttribute("data-end", data.end_time); }
      tick();
      var amount = auction.querySelector("input[name=amount]:not([type=hidden])");
      if (amount && document.activeElement !== amount && parseFloat(amount.value) < parseFloat(data.next_minimum)) {
        amount.value = data.next_minimum;
      }
      renderHistory(data.history);
      renderStanding(data);
      renderChart(data.chart);
      var bidForm = auction.querySelector("[data-bid-form]");
      if (bidForm) {
        bidForm.setAttribute("data-min", data.next_minimum);
        bidForm.setAttribute("data-max", data.max_bid);
        bidForm.setAttribute("data-too-low", data.too_low_display);
        bidForm.setAttribute("data-too-high", data.too_high_display);
      }
      var reserve = auction.querySelector(".reserve");
      if (reserve) { reserve.className = data.reserve_met ? "reserve met" : "reserve"; }
      if (data.status !== startStatus && !auction.querySelector("#confirm")) {
        window.location.reload();
        return false;
      }
      return data.status === "active" || data.status === "scheduled";
    });

    // Outbid: the notice replaces a "your bid is placed" banner that is no longer true.
    function renderStanding(data) {
      var standing = document.getElementById("standing");
      if (!standing) { return; }
      standing.className = "standing " + (data.standing || "");
      standing.textContent = data.standing_display || "";
      standing.hidden = !data.standing;
      if (data.standing !== "outbid") { return; }
      var placed = document.querySelectorAll(".message.bid-placed");
      for (var i = 0; i < placed.length; i++) {
        placed[i].className = "message outbid";
        placed[i].setAttribute("role", "alert");
        placed[i].textContent = data.standing_display;
      }
    }

    function renderChart(chart) {
      var figure = document.getElementById("bid-chart");
      if (!figure || !chart) { return; }
      figure.hidden = false;
      figure.querySelector("[data-chart-line]").setAttribute("points", chart.points);
      var labels = figure.querySelectorAll("[data-chart]");
      for (var i = 0; i < labels.length; i++) {
        labels[i].textContent = chart[labels[i].getAttribute("data-chart")] || "";
      }
    }

    function renderHistory(rows) {
      var body = document.getElementById("history");
      var state = document.getElementById("live-state");
      if (!body || !rows) { return; }
      var top = rows.length ? rows[0].alias + rows[0].amount : "";
      if (top === lastTop) { return; }
      var fresh = lastTop !== null;
      lastTop = top;
      body.textContent = "";
      if (!rows.length) {
        var empty = document.createElement("tr");
        var cell = document.createElement("td");
        cell.colSpan = 3;
        cell.textContent = state ? state.getAttribute("data-none") : "";
        empty.appendChild(cell);
        body.appendChild(empty);
        return;
      }
      rows.forEach(function (row, index) {
        var tr = document.createElement("tr");
        if (row.mine) { tr.className = "mine"; }
        if (fresh && index === 0) { tr.className += " fresh"; }
        var you = row.mine && state ? " (" + state.getAttribute("data-you") + ")" : "";
        [row.alias + you, row.amount, row.time].forEach(function (text) {
          var td = document.createElement("td");
          td.textContent = text;
          tr.appendChild(td);
        });
        body.appendChild(tr);
      });
    }
  }

  // The bid form refuses a too-low or too-high amount at once; the server checks again.
  var bidForm = document.querySelector("[data-bid-form]");
  if (bidForm) {
    bidForm.addEventListener("submit", function (event) {
      var error = bidForm.querySelector("[data-bid-error]");
      var input = bidForm.querySelector("input[name=amount]");
      if (!error || !input) { return; }
      var text = input.value.replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
      if (!/^[0-9]{1,12}(\.[0-9]{1,2})?$/.test(text)) { return; }  // the server explains
      var amount = parseFloat(text);
      var message = "";
      if (amount < parseFloat(bidForm.getAttribute("data-min"))) {
        message = bidForm.getAttribute("data-too-low");
      } else if (amount > parseFloat(bidForm.getAttribute("data-max"))) {
        message = bidForm.getAttribute("data-too-high");
      }
      error.textContent = message;
      error.hidden = !message;
      if (message) {
        event.preventDefault();
        var stale = bidForm.querySelectorAll("[data-server-error]");
        for (var i = 0; i < stale.length; i++) { stale[i].hidden = true; }
        input.focus();
      }
    });
  }

  // The gallery: a thumbnail scrolls the strip to its photo without moving the page.
  var gallery = document.querySelector("[data-gallery]");
  if (gallery) {
    var strip = gallery.querySelector("[data-gallery-strip]");
    var thumbs = gallery.querySelectorAll("[data-thumb]");
    var mark = function (index) {
      for (var i = 0; i < thumbs.length; i++) {
        thumbs[i].className = i === index ? "current" : "";
      }
    };
    for (var t = 0; t < thumbs.length; t++) {
      thumbs[t].addEventListener("click", function (event) {
        event.preventDefault();
        var index = parseInt(this.getAttribute("data-thumb"), 10) - 1;
        strip.scrollTo({ left: index * strip.clientWidth, behavior: "smooth" });
        mark(index);
      });
    }
    strip.addEventListener("scroll", function () {
      mark(Math.round(strip.scrollLeft / Math.max(strip.clientWidth, 1)));
    }, { passive: true });
  }

  // The payment result page: update until the status is final.
  var payment = document.getElementById("payment");
  if (payment && payment.getAttribute("data-final") === "0") {
    var shown = payment.querySelector("[data-status]").getAttribute("data-status");
    var shownAuction = payment.querySelector("[data-auction-status]").getAttribute("data-auction-status");
    poll(payment.getAttribute("data-status-url"), 2000, function (data) {
      if (data.status !== shown || data.auction_status !== shownAuction) {
        window.location.reload();
        return false;
      }
      return !data.final;
    });
  }
})();
