// MathJax 3, plus the MathJax 2 `Hub.Queue` that the ipywidgets HTML manager calls to typeset widget labels.
(function () {
  var hub = {Queue: function () { if (window.MathJax && window.MathJax.typesetPromise) window.MathJax.typesetPromise(); },
             Config: function () {}};
  window.MathJax = {Hub: hub, startup: {ready: function () { MathJax.startup.defaultReady(); MathJax.Hub = hub; }}};
})();
