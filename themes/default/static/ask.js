// The contact page's question form: "Ask about this" elsewhere in the portal links here with
// ?about=<topic>, and the topic is chosen in the form. Nothing is read or sent besides.
(function () {
  "use strict";
  var about = new URLSearchParams(location.search).get("about");
  var select = document.getElementById("question-about");
  if (!about || !select) return;
  Array.prototype.forEach.call(select.options, function (option) {
    if (option.getAttribute("data-key") === about) option.selected = true;
  });
})();
