// Signature pad: pointer events on a canvas (finger, pen or mouse), posted as a PNG data URL.
(function () {
  "use strict";
  var canvas = document.getElementById("pad");
  if (!canvas) { return; }
  var form = document.getElementById("sign-form");
  var field = document.getElementById("signature");
  var warning = document.getElementById("pad-warning");
  var ctx = canvas.getContext("2d");
  var drawn = false, last = null, width = 0;

  function resize() {  // only when the width changes: scrolling on a phone resizes the viewport
    var rect = canvas.getBoundingClientRect(), ratio = Math.max(window.devicePixelRatio || 1, 1);
    if (rect.width === width) { return; }
    width = rect.width;
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.lineWidth = 2.6; ctx.lineCap = "round"; ctx.lineJoin = "round";
    ctx.strokeStyle = ctx.fillStyle = "#111";
    drawn = false;
  }
  function at(e) { var r = canvas.getBoundingClientRect(); return { x: e.clientX - r.left, y: e.clientY - r.top }; }
  canvas.addEventListener("pointerdown", function (e) {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
    ctx.beginPath(); ctx.arc(last.x, last.y, 1.3, 0, 2 * Math.PI); ctx.fill();
    drawn = true; warning.hidden = true;
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!last) { return; }
    e.preventDefault();
    var p = at(e);
    ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
    last = p;
  });
  ["pointerup", "pointercancel"].forEach(function (type) {
    canvas.addEventListener(type, function () { last = null; });
  });
  document.getElementById("pad-clear").addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false;
  });
  form.addEventListener("submit", function (e) {
    if (!drawn) { e.preventDefault(); warning.hidden = false; canvas.scrollIntoView({ block: "center" }); return; }
    field.value = canvas.toDataURL("image/png");
    form.querySelector("button[type=submit]").disabled = true;
  });
  window.addEventListener("resize", resize);
  resize();
}());
