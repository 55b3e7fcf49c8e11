// Copy buttons (search and precedent results): <button class="copy" data-target="ELEMENT_ID">.
// The "copied" label comes from the page's language: data-copied on this script tag.
(function () {
  var copied = document.currentScript ? document.currentScript.dataset.copied : 'OK';
  document.addEventListener('click', function (ev) {
    var b = ev.target.closest('button.copy'); if (!b) return;
    var text = document.getElementById(b.dataset.target).textContent.trim();
    var done = function () { b.textContent = copied; b.classList.add('ok'); };
    var fallback = function () {
      var ta = document.createElement('textarea'); ta.value = text; document.body.appendChild(ta); ta.select();
      try { document.execCommand('copy'); } finally { ta.remove(); } done();
    };
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, fallback); }
    else { fallback(); }
  });
})();
