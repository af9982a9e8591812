// The course's own script, on top of the book theme.
//
// A figure of several panels side by side (much wider than tall) shrinks to an unreadable
// size on a phone. Such figures are marked, put in a box that scrolls sideways on small
// screens (see learner.css), told so in a short line, and linked to the image alone, which a
// phone can zoom. Nothing changes on a wide screen or on paper.
(function () {
  "use strict";
  var WIDE = 1.7; // width / height above which a figure is treated as multi-panel
  // The book's Spanish edition (<html lang="es">) says the same in Spanish.
  var SPANISH = (document.documentElement.lang || "").slice(0, 2) === "es";
  var OPEN_ALONE = SPANISH ? "Abrir la figura sola: " : "Open the figure alone: ";
  var FIGURE = SPANISH ? "figura" : "figure";
  var HINT = SPANISH
    ? "Deslice hacia los lados para ver toda la figura, o tóquela para abrirla sola."
    : "Swipe sideways to see the whole figure, or tap it to open it alone.";
  var MIN_WIDTH = 700; // natural width (px) above which it would shrink on a phone

  function mark(img) {
    if (img.dataset.wideChecked) return;
    if (!img.naturalWidth || !img.naturalHeight) return;
    img.dataset.wideChecked = "1";
    if (img.naturalWidth < MIN_WIDTH || img.naturalWidth < WIDE * img.naturalHeight) return;
    img.classList.add("wide-figure");
    var box = document.createElement("div");
    box.className = "wide-figure-box";
    var target = img;
    if (!img.closest("a")) {
      var link = document.createElement("a");
      link.href = img.currentSrc || img.src;
      link.setAttribute("aria-label", OPEN_ALONE + (img.alt || FIGURE));
      img.parentNode.insertBefore(link, img);
      link.appendChild(img);
      target = link;
    } else {
      target = img.closest("a");
    }
    target.parentNode.insertBefore(box, target);
    box.appendChild(target);
    var hint = document.createElement("p");
    hint.className = "wide-figure-hint";
    hint.textContent = HINT;
    box.parentNode.insertBefore(hint, box);
  }

  function markAll() {
    document.querySelectorAll("article img").forEach(function (img) {
      if (img.complete) mark(img);
      else img.addEventListener("load", function () { mark(img); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", markAll);
  else markAll();
})();
