// Keyboard shortcuts on the call page: a digit picks that score ("1" then "0" picks 10),
// except while typing in a text field.
(function () {
  "use strict";
  var lastOne = 0;
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type !== "radio")) {
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || !/^[0-9]$/.test(event.key)) {
      return;
    }
    var score = event.key;
    if (score === "0" && Date.now() - lastOne < 800) {
      score = "10";
    }
    lastOne = score === "1" ? Date.now() : 0;
    var radio = document.getElementById("score-" + score);
    if (radio) {
      radio.checked = true;
      radio.focus();
      event.preventDefault();
    }
  });
})();
