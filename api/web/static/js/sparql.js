/* YASGUI wired to this server only: local endpoint, no remote prefix service, no LOV
   autocompletion, no CORS proxy, no endpoint catalogue, no persistence across visits. */
(function () {
  "use strict";
  var examples = JSON.parse(document.getElementById("example-queries").textContent);
  var endpoint = window.location.origin + "/sparql";
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
    corsProxy: undefined,
    persistenceId: null,
    populateFromUrl: false,
    autoAddOnInit: false,
    yasqe: { autocompleters: ["prefixes", "variables"], prefixCcApi: null, persistenceId: null },
    yasr: { persistenceId: null, prefixes: {} }
  });
  function openExample(i, run) {
    var ex = examples[i];
    var tab = yasgui.addTab(true, { name: ex.title.slice(0, 24), requestConfig: { endpoint: endpoint, method: "POST" } });
    tab.setQuery(ex.query);
    if (run) { tab.query(); }
    return tab;
  }
  var linked = /^#query=/.test(window.location.hash) ? decodeURIComponent(window.location.hash.slice(7)) : "";
  if (linked) { /* a query linked from another page (the home page's examples): open it and run it */
    var t = yasgui.addTab(true, { name: "query", requestConfig: { endpoint: endpoint, method: "POST" } });
    t.setQuery(linked);
    t.query();
  } else if (examples.length) {
    examples.forEach(function (_, i) { if (i > 0) { openExample(i, false); } });
    openExample(0, false);
  } else {
    yasgui.addTab(true, { requestConfig: { endpoint: endpoint, method: "POST" } });
  }
  document.getElementById("examples").addEventListener("click", function (ev) {
    var b = ev.target.closest("button.example"); if (!b) { return; }
    var ex = examples[+b.dataset.index];
    var tab = yasgui.getTab();
    tab.setQuery(ex.query);
    tab.query();
  });
  window.policykgYasgui = yasgui;
})();
