// Toasts: the server names them in the HX-Trigger response header ({"toast": {...}}).
document.addEventListener("toast", function (event) {
  var detail = event.detail || {};
  var box = document.createElement("div");
  box.className = "toast toast-" + (detail.level || "success");
  box.textContent = detail.message || "";
  document.getElementById("toasts").appendChild(box);
  setTimeout(function () { box.remove(); }, 5000);
});
