/* /complaints: the triage keys. j / k move through the queue, l links the best
   duplicate, a assigns the first crew, o opens a work order: each presses the button on
   the screen that does the same, so a key does nothing a click could not. Keys typed
   into a filter or a text field are left alone. */
(function () {
  var KEYS = {
    j: "#complaints-next",
    k: "#complaints-prev",
    l: ".c3-link-btn",
    a: ".c3-assign-btn",
    o: "#complaints-open",
  };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (!document.querySelector(".c3-complaints-page")) return;
    var selector = KEYS[event.key];
    var button = selector && document.querySelector(selector);
    if (!button || button.disabled) return;
    event.preventDefault();
    button.click();
  });
})();
