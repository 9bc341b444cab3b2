// The sign-up and profile form (register.go): the street list narrowed to
// the chosen district, and the optional "use my precise location" button,
// which asks the browser (no request leaves the page) and fills the hidden
// lat/lng fields. The form works without this script: the street list then
// shows every district's streets, and the home is the street's centre.
(function () {
  "use strict";
  var district = document.getElementById("district");
  var street = document.getElementById("street");
  if (district && street) {
    var groups = Array.prototype.slice.call(street.querySelectorAll("optgroup"));
    var names = {};
    Array.prototype.forEach.call(district.options, function (o) { names[o.textContent] = o.value; });
    var narrow = function () {
      groups.forEach(function (g) {
        var on = !district.value || names[g.label] === district.value;
        g.hidden = !on;
        g.disabled = !on;
      });
      var sel = street.options[street.selectedIndex];
      if (sel && sel.parentNode.tagName === "OPTGROUP" && sel.parentNode.disabled) { street.value = ""; }
    };
    district.addEventListener("change", narrow);
    narrow();
  }
  var btn = document.getElementById("locate");
  if (!btn || !navigator.geolocation) { return; }
  btn.hidden = false;
  var status = document.getElementById("locate-status");
  var undo = document.getElementById("unlocate");
  var lat = document.getElementById("lat"), lng = document.getElementById("lng");
  undo.addEventListener("click", function () {
    lat.value = "";
    lng.value = "";
    status.textContent = undo.getAttribute("data-done");
    undo.hidden = true;
    btn.focus();
  });
  btn.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lng.value = pos.coords.longitude.toFixed(6);
      status.textContent = btn.getAttribute("data-got");
      undo.hidden = false;
    }, function () {
      status.textContent = btn.getAttribute("data-fail");
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
  });
})();
