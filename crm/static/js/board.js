// The stage board: drag a card to another column (SortableJS), and the reason dialog.
//
// A drop submits the card's own stage menu with the new column's stage, so dragging and the
// keyboard's Move button make the same request. The server answers with the card, both
// columns' figures out of band, or the reason dialog, or the redrawn board (card put back).
(function () {
  function submitMove(card, stageId) {
    var form = card.querySelector("form.stage-menu");
    if (!form) { return; }
    form.elements.stage_id.value = stageId;
    form.requestSubmit();
  }

  function makeSortable(list) {
    if (list.dataset.sortable) { return; }
    list.dataset.sortable = "1";
    Sortable.create(list, {
      group: "board",
      sort: false,
      draggable: ".board-card",
      filter: "a, select, button, input, textarea, label",
      preventOnFilter: false,
      forceFallback: true,
      fallbackTolerance: 3,
      animation: 150,
      onAdd: function (event) { submitMove(event.item, list.dataset.stageId); }
    });
  }

  function openDialog(root) {
    var dialog = root.id === "move-dialog" ? root : root.querySelector && root.querySelector("#move-dialog");
    if (dialog && !dialog.open && dialog.showModal) {
      dialog.showModal();
      var reason = dialog.querySelector("textarea[name=reason]");
      if (reason) { reason.focus(); }
      dialog.addEventListener("cancel", function (event) {
        event.preventDefault();
        var cancel = dialog.querySelector("[data-cancel]");
        if (cancel) { cancel.click(); }
      });
    }
  }

  htmx.onLoad(function (root) {
    if (!root.querySelectorAll) { return; }
    if (document.querySelector(".board .stage-menu")) {
      root.querySelectorAll(".board-cards[data-stage-id]").forEach(makeSortable);
      if (root.matches && root.matches(".board-cards[data-stage-id]")) { makeSortable(root); }
    }
    openDialog(root);
  });

  // The stage menu on the board moves the card to its new column first, as a drop would.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches(".board .stage-menu")) { return; }
    var card = form.closest(".board-card");
    var column = document.getElementById("stage-cards-" + form.elements.stage_id.value);
    if (!card || !column || card.parentElement === column) { return; }
    var focused = document.activeElement;
    column.insertBefore(card, column.firstChild);
    if (focused && card.contains(focused)) { focused.focus(); }
  }, true);
})();
