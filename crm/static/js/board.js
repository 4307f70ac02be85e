// The stage board: drag a card to another column (SortableJS), and the stage menu dialog.
//
// A drop posts the card's new stage to the URL of its "Move…" link, as the menu's form does.
// The server answers with the card and both columns' figures (out of band), or with the
// dialog asking why a deal was won or lost, or with the board redrawn (the card put back).
(function () {
  function columns() { return document.getElementById("board-columns"); }

  function postMove(card, stageId) {
    var link = card.querySelector("a.board-move");
    if (!link) { return; }
    htmx.ajax("POST", link.pathname, {
      source: card,
      target: card,
      swap: "outerHTML",
      values: {stage_id: stageId, board: "1", owner: columns().dataset.owner || ""}
    });
  }

  function makeSortable(list) {
    if (list.dataset.sortable) { return; }
    list.dataset.sortable = "1";
    Sortable.create(list, {
      group: "board",
      sort: false,
      draggable: ".board-card",
      filter: "a, button, input, select, textarea",
      preventOnFilter: false,
      forceFallback: true,
      fallbackTolerance: 3,
      animation: 150,
      onAdd: function (event) { postMove(event.item, list.dataset.stageId); }
    });
  }

  function openDialog(root) {
    var dialog = root.id === "move-dialog" ? root : root.querySelector("#move-dialog");
    if (!dialog || dialog.open || !dialog.showModal) { return; }
    dialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      var cancel = dialog.querySelector("[data-cancel]");
      if (cancel) { cancel.click(); }
    });
    dialog.showModal();
    var first = dialog.querySelector("[autofocus]");
    if (first) { first.focus(); }
  }

  htmx.onLoad(function (root) {
    if (!root.querySelectorAll) { return; }
    // A card dragged into a column comes again in that column's next page: keep the first one.
    if (root.matches && root.matches(".board-card") && root.id &&
        document.querySelectorAll("#" + CSS.escape(root.id)).length > 1) {
      root.remove();
      return;
    }
    if (document.querySelector(".board .board-move")) {
      root.querySelectorAll(".board-cards[data-stage-id]").forEach(makeSortable);
    }
    openDialog(root);
  });

  // "Move…" opens the stage menu over the board (one listener for every card).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".board a.board-move");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    event.preventDefault();
    htmx.ajax("GET", link.getAttribute("href"), {source: link, target: "#board-dialog", swap: "innerHTML"});
  });

  // The menu's Move puts the card in its new column first, where a drop would have put it,
  // so that the answer (the card) replaces it there.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("#board-dialog form[data-card]")) { return; }
    var card = document.getElementById(form.dataset.card);
    var column = document.getElementById("stage-cards-" + form.elements.stage_id.value);
    if (card && column && card.parentElement !== column) {
      column.insertBefore(card, column.firstChild);
    }
  }, true);
})();
