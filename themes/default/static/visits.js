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
  document.querySelectorAll("[data-changed]").forEach(function (item) {
    if (item.getAttribute("data-changed") > since) {
      item.classList.add("changed-since-visit");
      var mark = item.querySelector(".changed-mark");
      if (mark) mark.hidden = false;
    }
  });
})();
