// Query page: YASGUI against this service's /sparql, with every named query of the catalog
// (`GET /queries`) preloaded as a tab. Nothing is fetched from elsewhere: no endpoint
// catalogue, no prefix.cc or LOV autocompletion, no share links.
import Yasgui from "@zazuko/yasgui";
import { getJSON, token } from "./api.js";
import { h } from "./dom.js";

// A value of each parameter type for a tab to start from, written as SPARQL terms of the
// type the catalog binds (`service/catalog.py`): the person edits it and runs the tab.
const EXAMPLES = {
  iri: "<urn:triskel:placeholder>",
  string: '""',
  integer: "0",
  date: '"2000-01-01"^^<http://www.w3.org/2001/XMLSchema#date>',
};

// The text a tab opens with: the query with each parameter bound by a VALUES line at the
// start of its WHERE group (what `GET /queries/{name}?param=value` binds), to be edited.
function tabText(query) {
  if (!query.parameters.length) return query.sparql;
  const values = query.parameters
    .map((p) => `  VALUES ?${p.name} { ${EXAMPLES[p.type]} }  # ${p.type}: ${p.description}\n`)
    .join("");
  const bound = query.sparql.replace(/WHERE\s*\{/, (where) => `${where}\n${values}`);
  return (
    `# Parameters are bound by the VALUES lines below: change their values, then run.\n` +
    `# The same query with parameters in the URL: GET /queries/${query.name}?name=value\n${bound}`
  );
}

// YASGUI's styles, from this service (esbuild bundles the script; the stylesheet is
// copied), loaded before the editor is built: CodeMirror measures itself when created.
function styles() {
  if (document.getElementById("yasgui-css")) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const link = h("link", { id: "yasgui-css", rel: "stylesheet", href: "/static/yasgui.css" });
    link.addEventListener("load", resolve);
    link.addEventListener("error", () => reject(new Error("/static/yasgui.css did not load")));
    document.head.append(link);
  });
}

// YASGUI's own markup falls short of WCAG in a few places axe-core reports; mend them
// after each change of tabs: the tab list holds only tabs (its "+" button is replaced by
// one outside it), a tab controls only a panel that exists, inputs and the editor's
// scroll area have names and keyboard access.
function repair(host) {
  for (const tab of host.querySelectorAll('.tabsList [role="tab"][aria-controls]')) {
    if (!document.getElementById(tab.getAttribute("aria-controls"))) {
      tab.removeAttribute("aria-controls");
    }
  }
  const add = host.querySelector(".tabsList button.addTab");
  if (add) add.parentElement.hidden = true;
  for (const input of host.querySelectorAll("input.autocomplete")) {
    input.setAttribute("aria-label", "SPARQL endpoint");
  }
  for (const editor of host.querySelectorAll(".CodeMirror textarea")) {
    editor.setAttribute("aria-label", "SPARQL query");
  }
  for (const scroll of host.querySelectorAll(".CodeMirror-scroll")) {
    scroll.setAttribute("tabindex", "0");
    scroll.setAttribute("aria-label", "SPARQL query text");
  }
}

const OPTIONS = {
  copyEndpointOnNewTab: true,
  persistenceId: null,
  populateFromUrl: false,
  autoAddOnInit: false,
  yasqe: { autocompleters: ["variables"], resizeable: true, editorHeight: "260px" },
};

export async function mount(main) {
  const [queries] = await Promise.all([getJSON("/queries").then((answer) => answer.body), styles()]);
  const endpoint = `${location.origin}/sparql`;
  const requestConfig = {
    endpoint,
    method: "POST",
    headers: () => (token() ? { Authorization: `Bearer ${token()}` } : {}),
  };
  const host = h("div", { id: "yasgui" });
  const yasgui = new Yasgui(host, {
    ...OPTIONS,
    requestConfig,
    endpointCatalogueOptions: { getData: () => [{ endpoint }] },
  });
  const newTab = () => yasgui.addTab(true, { ...Yasgui.Tab.getDefaults(), requestConfig });
  main.replaceChildren(
    h("h1", {}, "Query"),
    h(
      "p",
      {},
      `SPARQL against this service's /sparql. The ${queries.length} named queries are open as tabs.`,
    ),
    h("button", { type: "button", id: "new-tab", onclick: newTab }, "New query tab"),
    host,
  );
  for (const [index, query] of queries.entries()) {
    yasgui.addTab(index === 0, {
      ...Yasgui.Tab.getDefaults(),
      name: query.title || query.name,
      yasqe: { value: tabText(query) },
      requestConfig,
    });
  }
  for (const event of ["tabChange", "tabSelect", "tabAdd", "queryResponse"]) {
    yasgui.on(event, () => setTimeout(() => repair(host)));
  }
  repair(host);
  return yasgui;
}
