// On a phone the portal's sections scroll in one row: bring the current one into view.
(function () {
  "use strict";
  var nav = document.querySelector(".site-nav");
  var here = nav && nav.querySelector("[aria-current]");
  if (here && here.offsetLeft + here.offsetWidth > nav.clientWidth) {
    nav.scrollLeft = here.offsetLeft - 16;
  }
}());
