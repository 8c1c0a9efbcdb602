// Reply templates (progressive enhancement): the picker appears only with JavaScript and fills the reply field.
(function () {
  "use strict";
  document.querySelectorAll("[data-reply-templates]").forEach(function (box) {
    var dataNode = document.getElementById(box.dataset.replyTemplates);
    var target = document.getElementById(box.dataset.target);
    var select = box.querySelector("select");
    if (!dataNode || !target || !select) { return; }
    var texts = {};
    JSON.parse(dataNode.textContent).forEach(function (t) { texts[String(t.id)] = t.text; });
    box.hidden = false;
    select.addEventListener("change", function () {
      if (!select.value || !(select.value in texts)) { return; }
      target.value = texts[select.value];
      target.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();
