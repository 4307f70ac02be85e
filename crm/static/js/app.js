// Toasts: the server names them in the HX-Trigger response header ({"toast": {...}}).
//
// {"toast": {"message": "Note deleted.", "level": "success",
//            "undo": "/acme/activity/notes/7/restore?panel=company",   (optional: adds an Undo button)
//            "target": "#activity-notes"}}                              (optional: where the undo's answer goes)
// Undo POSTs to `undo` with the CSRF header from <body hx-headers>. With a `target` the
// answer replaces that element (outerHTML); without one nothing is swapped and the answer's
// own headers act (HX-Trigger, HX-Redirect, HX-Refresh), so record pages can use it too.
(function () {
  function csrfHeaders() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    } catch (e) {
      return {};
    }
  }

  function undoButton(detail, box) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link-button toast-undo";
    button.textContent = "Undo";
    button.addEventListener("click", function () {
      button.disabled = true;
      var target = detail.target && document.querySelector(detail.target);
      var options = {headers: csrfHeaders(), swap: target ? "outerHTML" : "none"};
      if (target) { options.target = target; }
      htmx.ajax("POST", detail.undo, options).then(function () { box.remove(); });
    });
    return button;
  }

  document.addEventListener("toast", function (event) {
    var detail = event.detail || {};
    var box = document.createElement("div");
    box.className = "toast toast-" + (detail.level || "success");
    var text = document.createElement("span");
    text.textContent = detail.message || "";
    box.appendChild(text);
    if (detail.undo) {
      box.appendChild(document.createTextNode(" "));
      box.appendChild(undoButton(detail, box));
    }
    document.getElementById("toasts").appendChild(box);
    setTimeout(function () { box.remove(); }, detail.undo ? 15000 : 5000);
  });
})();
