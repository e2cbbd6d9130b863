// A customer who walks away mid-answer leaves nothing behind: after a minute without a
// touch, the page starts again for the next person.
(function () {
  "use strict";
  var form = document.getElementById("kiosk-form");
  if (!form) {
    return;
  }
  var idle = Number(form.dataset.idleSeconds || 60) * 1000;
  var timer = null;
  function touched() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      window.location.replace(window.location.pathname);
    }, idle);
  }
  ["input", "pointerdown", "keydown"].forEach(function (name) {
    form.addEventListener(name, touched);
  });
})();
