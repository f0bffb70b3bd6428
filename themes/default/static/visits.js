// Marks what changed since the client's last visit. The visit time is kept in this browser's
// localStorage under a key namespaced by the portal (the address of its root, found from this
// script's own address), never sent anywhere. Within one browser session the marks stay, so
// moving between pages does not clear them.
(function () {
  "use strict";
  var script = document.currentScript;
  var portal = script ? script.src.replace(/assets\/visits\.js.*$/, "") : location.pathname;
  var key = "clientportal:" + portal + ":last-visit";
  var since = null;
  try {
    since = sessionStorage.getItem(key);
    if (since === null) {
      since = localStorage.getItem(key) || "";
      sessionStorage.setItem(key, since);
    }
    localStorage.setItem(key, new Date().toISOString().replace(/\.\d+Z$/, "Z"));
  } catch (e) {
    return; // storage disabled: no marks
  }
  if (!since) return; // first visit: everything is new, mark nothing
  // the overview's count: what changed since then, if the last visit falls in its window
  var card = document.querySelector("[data-changes]");
  if (card && since >= card.getAttribute("data-window")) {
    var count = 0;
    card.getAttribute("data-changes").split(" ").forEach(function (change) {
      var parts = change.split("*");
      if (parts[0] > since) count += Number(parts[1]);
    });
    card.querySelector(".changes-count").textContent =
      count.toLocaleString(document.documentElement.lang);
    card.querySelector(".changes-recent").hidden = true;
    card.querySelector(".changes-since").hidden = false;
  }
  document.querySelectorAll("[data-changed]").forEach(function (item) {
    if (item.getAttribute("data-changed") > since) {
      item.classList.add("changed-since-visit");
      var mark = item.querySelector(".changed-mark");
      if (mark) mark.hidden = false;
    }
  });
})();
