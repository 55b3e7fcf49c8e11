/* YASGUI wired to this server only: local endpoint, no remote prefix service, no LOV
   autocompletion, no CORS proxy, no endpoint catalogue, no persistence across visits.
   Result tables read like the rest of the site: an IRI shows its label (rdfs:label, skos:prefLabel
   or eli:title, in the page's language when the graph has one; else a prefixed name) and links to
   its page through /iri (documents, provisions, entities); a literal shows its value only, without
   "@zh" or "^^xsd:integer". */
(function () {
  "use strict";
  var examples = JSON.parse(document.getElementById("example-queries").textContent);
  var endpoint = window.location.origin + "/sparql";
  var lang = (document.documentElement.lang || "zh").slice(0, 2);
  var BASE = "https://w3id.org/policykg/";
  var PREFIXES = {
    "pk:": "https://w3id.org/policykg/ont#", "eli:": "http://data.europa.eu/eli/ontology#",
    "skos:": "http://www.w3.org/2004/02/skos/core#", "rdfs:": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd:": "http://www.w3.org/2001/XMLSchema#", "org:": "http://www.w3.org/ns/org#",
    "rdf:": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  };
  var labels = {};    // IRI -> label (after a lookup; "" when the graph has none)
  var ZH_TABLE = {
    search: "筛选", info: "第 _START_–_END_ 行，共 _TOTAL_ 行", infoEmpty: "无结果", emptyTable: "无结果",
    zeroRecords: "没有匹配的行", lengthMenu: "每页 _MENU_ 行", infoFiltered: "（从 _MAX_ 行中筛选）",
    paginate: { first: "&lt;&lt;", last: "&gt;&gt;", next: "&gt;", previous: "&lt;" }
  };

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function shortIri(iri) {
    for (var p in PREFIXES) { if (iri.indexOf(PREFIXES[p]) === 0) { return p + iri.slice(PREFIXES[p].length); } }
    if (iri.indexOf(BASE) === 0) { return decodeURIComponent(iri.slice(BASE.length)); }
    return iri;
  }
  function linkable(iri) {
    return iri.indexOf(BASE) === 0 && iri.indexOf(BASE + "ont") !== 0 && iri.indexOf(BASE + "graph/") !== 0;
  }

  var Table = window.Yasr && window.Yasr.plugins && window.Yasr.plugins.table;
  if (Table) {
    Table.prototype.getCellContent = function (b) {
      if (b.type === "uri") {
        var text = esc(labels[b.value] || shortIri(b.value));
        var inner = linkable(b.value)
          ? '<a href="/iri?u=' + encodeURIComponent(b.value) + '" title="' + esc(b.value) + '">' + text + "</a>"
          : '<span title="' + esc(b.value) + '">' + text + "</span>";
        return "<div>" + inner + "</div>";
      }
      return '<div><span class="nonIri" lang="zh-CN">' + esc(b.value) + "</span></div>";
    };
    if (lang === "zh" && Table.defaults && Table.defaults.tableConfig) {
      Table.defaults.tableConfig.language = ZH_TABLE;
    }
  }

  /* One lookup per result set for the labels of the IRIs it shows, then one redraw. */
  function fetchLabels(yasr) {
    var bindings = (yasr.results && yasr.results.getBindings && yasr.results.getBindings()) || [];
    var wanted = {};
    bindings.forEach(function (row) {
      Object.keys(row).forEach(function (v) {
        var t = row[v];
        if (t && t.type === "uri" && !(t.value in labels) && /^https?:\/\/[^\s<>"{}|\\^`]+$/.test(t.value)) { wanted[t.value] = 1; }
      });
    });
    var iris = Object.keys(wanted).slice(0, 400);
    if (!iris.length) { return; }
    iris.forEach(function (i) { labels[i] = ""; });
    var query = "PREFIX rdfs: <" + PREFIXES["rdfs:"] + "> PREFIX skos: <" + PREFIXES["skos:"] + "> PREFIX eli: <" + PREFIXES["eli:"] + ">\n" +
      "SELECT ?s ?l WHERE { VALUES ?s { " + iris.map(function (i) { return "<" + i + ">"; }).join(" ") +
      " } { ?s rdfs:label ?l } UNION { ?s skos:prefLabel ?l } UNION { ?s eli:title ?l } }";
    fetch(endpoint, { method: "POST", headers: { "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json" }, body: query })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var found = 0;
        data.results.bindings.forEach(function (row) {
          var iri = row.s.value, l = row.l, has = labels[iri];
          var mine = (l["xml:lang"] || "").slice(0, 2) === lang;
          if (!has || mine) { labels[iri] = l.value; found += 1; }
        });
        if (found) { yasr.refresh(); }
      })
      .catch(function () { /* labels are a nicety: the prefixed names stay */ });
  }

  /* YASGUI has no translations: on a Chinese page its own words are rewritten as they appear. */
  var ZH_CHROME = {
    "Table": "表格", "Response": "原始响应", "Simple view": "简洁视图", "Ellipse": "截断长文本",
    "Page size: ": "每页：", "All": "全部", "Download result": "下载结果", "Show all": "显示全部", "Filter query results": "筛选结果",
    "Run query": "运行查询", "Share query": "分享查询", "Add tab": "新建标签页", "Close tab": "关闭标签页",
    "Clear endpoint": "清除端点", "Download not supported": "不支持下载", "Endpoint is down": "端点不可用",
    "Incorrect endpoint URL": "端点地址有误", "Try query in a new browser window": "在新窗口中尝试查询"
  };
  function zhChrome(text) {
    if (Object.prototype.hasOwnProperty.call(ZH_CHROME, text)) { return ZH_CHROME[text]; }
    var m = /^(?:(\d+) results?)?(?: ?in ([\d.]+) seconds?)?$/.exec(text);
    if (m && (m[1] || m[2])) { return (m[1] ? m[1] + " 条结果" : "") + (m[2] ? "，用时 " + m[2] + " 秒" : ""); }
    return null;
  }
  function translateChrome(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), node, out;
    while ((node = walker.nextNode())) {
      if (node.parentElement && node.parentElement.closest(".CodeMirror, table")) { continue; }
      out = zhChrome(node.nodeValue);
      if (out !== null && out !== node.nodeValue) { node.nodeValue = out; }
    }
    root.querySelectorAll("[title], [placeholder], [aria-label]").forEach(function (el) {
      ["title", "placeholder", "aria-label"].forEach(function (a) {
        var v = el.getAttribute(a), t = v && zhChrome(v);
        if (t) { el.setAttribute(a, t); }
      });
    });
  }

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
  yasgui.on("queryResponse", function (_y, tab) {
    setTimeout(function () { var yasr = tab.getYasr(); if (yasr) { fetchLabels(yasr); } }, 0);
  });
  function titleOf(i) {
    var b = document.querySelector('button.example[data-index="' + i + '"]');
    return b ? b.textContent.trim() : examples[i].title;
  }
  function openExample(i, run) {
    var tab = yasgui.addTab(true, { name: titleOf(i).slice(0, 24), requestConfig: { endpoint: endpoint, method: "POST" } });
    tab.setQuery(examples[i].query);
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
    var tab = yasgui.getTab();
    tab.setQuery(examples[+b.dataset.index].query);
    tab.query();
  });
  if (lang === "zh") {
    var root = document.getElementById("yasgui"), pending = false;
    translateChrome(root);
    new MutationObserver(function () {
      if (pending) { return; }
      pending = true;
      setTimeout(function () { pending = false; translateChrome(root); }, 0);
    }).observe(root, { childList: true, subtree: true, characterData: true });
  }
  window.policykgYasgui = yasgui;
})();
