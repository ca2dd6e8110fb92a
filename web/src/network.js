// Network: the organisation layer as one picture — people coloured by organisation, arcs as
// edges as wide as their weight, labelled by channel tool; arcs a current finding names
// (as its focus or value) drawn red and dashed. Cytoscape.js draws on a canvas; the graph
// model stays inspectable (`window.triskelNetwork`) and every person is reachable by the
// search field and the side panel, without a mouse.
import cytoscape from "cytoscape";
import { getJSON, select } from "./api.js";
import { entityLink, h, say, short } from "./dom.js";

const PREFIXES = `PREFIX sb: <https://w3id.org/social-business#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
`;
const PEOPLE = `${PREFIXES}
SELECT ?person (SAMPLE(?name) AS ?label) (SAMPLE(?top) AS ?organisation) WHERE {
  ?person a sb:Person .
  OPTIONAL { ?person foaf:name ?name }
  OPTIONAL {
    ?person org:memberOf ?unit .
    ?unit (org:unitOf|org:subOrganizationOf)* ?top .
    FILTER NOT EXISTS { ?top org:unitOf|org:subOrganizationOf ?above }
  }
} GROUP BY ?person`;
const ARCS = `${PREFIXES}
SELECT ?arc ?source ?target (SAMPLE(?w) AS ?weight)
       (GROUP_CONCAT(DISTINCT STR(?channel); separator=" ") AS ?channels) WHERE {
  ?arc a sb:Arc ; sb:source ?source ; sb:target ?target .
  ?source a sb:Person . ?target a sb:Person .
  OPTIONAL { ?arc sb:weight ?w }
  OPTIONAL { ?arc sb:channel ?channel }
} GROUP BY ?arc ?source ?target`;
// Colour-blind-safe palette (Okabe–Ito); the organisation is also named in the side panel.
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"];
const FLAGGED = "#a4161a";

function elements(people, arcs, flagged, colours) {
  const nodes = people.map((row) => ({
    data: {
      id: row.person.value,
      label: row.label?.value || short(row.person.value),
      organisation: row.organisation?.value || "",
      colour: colours.get(row.organisation?.value || "") || "#777777",
    },
  }));
  const edges = arcs.map((row) => ({
    data: {
      id: row.arc.value,
      source: row.source.value,
      target: row.target.value,
      weight: Number(row.weight?.value || 1),
      channels: (row.channels?.value || "").split(" ").filter(Boolean).map(short).join(", "),
    },
    classes: flagged.has(row.arc.value) ? "flagged" : "",
  }));
  return [...nodes, ...edges];
}

function panel(cy, node, findingsOf) {
  const arcs = node.connectedEdges().map((edge) => {
    const other = edge.source().id() === node.id() ? edge.target() : edge.source();
    return h(
      "li",
      {},
      entityLink(other.id(), other.data("label")),
      ` — ${edge.data("channels") || "no tool"}, weight ${edge.data("weight")}`,
      edge.hasClass("flagged") ? h("strong", { class: "flag" }, " (named by a finding)") : "",
    );
  });
  const count = findingsOf(node.id());
  return [
    h("h2", { id: "person-title" }, node.data("label")),
    h(
      "p",
      {},
      "Organisation: ",
      node.data("organisation") ? entityLink(node.data("organisation")) : "none recorded",
    ),
    h(
      "p",
      {},
      h("a", { href: `/findings?person=${encodeURIComponent(node.id())}` }, `Findings: ${count}`),
      " · ",
      entityLink(node.id(), "Entity page"),
    ),
    h("h3", {}, `Arcs (${arcs.length})`),
    h("ul", { id: "person-arcs" }, arcs),
  ];
}

export async function mount(main) {
  const [people, arcs, findings] = await Promise.all([
    select(PEOPLE),
    select(ARCS),
    getJSON("/findings?limit=100000"),
  ]);
  const flagged = new Set(findings.body.results.flatMap((f) => [f.focus, f.value]));
  const byPerson = new Map();
  for (const finding of findings.body.results) {
    for (const person of finding.people || []) byPerson.set(person, (byPerson.get(person) || 0) + 1);
  }
  const organisations = [...new Set(people.map((r) => r.organisation?.value).filter(Boolean))].sort();
  const colours = new Map(organisations.map((iri, i) => [iri, PALETTE[i % PALETTE.length]]));
  const canvas = h("div", {
    id: "network",
    role: "img",
    "aria-label": `${people.length} people and ${arcs.length} arcs`,
  });
  const side = h("aside", { id: "person-panel", "aria-live": "polite", "aria-label": "Selected person" });
  const search = h("input", { id: "person-search", type: "search", list: "people-names" });
  const names = h(
    "datalist",
    { id: "people-names" },
    people.map((r) => h("option", { value: r.label?.value || short(r.person.value) })),
  );
  const orgFilter = h(
    "select",
    { id: "network-organisation" },
    h("option", { value: "" }, "all"),
    organisations.map((iri) => h("option", { value: iri }, short(iri))),
  );
  const legend = h(
    "ul",
    { class: "legend", "aria-label": "Legend" },
    organisations.map((iri) =>
      h("li", {}, h("span", { class: "swatch", style: `background:${colours.get(iri)}` }), short(iri)),
    ),
    h("li", {}, h("span", { class: "swatch flagged-swatch" }), "arc named by a finding (red, dashed)"),
  );
  main.replaceChildren(
    h("h1", {}, "Network"),
    h(
      "div",
      { class: "network-controls" },
      h("div", { class: "field" }, h("label", { for: "person-search" }, "Find a person"), search, names),
      h("div", { class: "field" }, h("label", { for: "network-organisation" }, "Organisation"), orgFilter),
    ),
    legend,
    h("div", { class: "network-layout" }, canvas, side),
  );
  const cy = cytoscape({
    container: canvas,
    elements: elements(people, arcs, flagged, colours),
    layout: { name: "cose", animate: false, randomize: false },
    style: [
      {
        selector: "node",
        style: {
          "background-color": "data(colour)",
          label: "data(label)",
          "font-size": 10,
          color: "#1b1f24",
        },
      },
      {
        selector: "edge",
        style: { width: "mapData(weight, 0, 40, 1, 8)", "line-color": "#8a96a3", "curve-style": "bezier" },
      },
      { selector: "edge.flagged", style: { "line-color": FLAGGED, "line-style": "dashed" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#1b1f24" } },
      { selector: ".faded", style: { opacity: 0.15 } },
    ],
  });
  const show = (node) => {
    cy.elements().unselect();
    node.select();
    side.replaceChildren(...panel(cy, node, (iri) => byPerson.get(iri) || 0));
    say(`${node.data("label")} selected`);
  };
  cy.on("tap", "node", (event) => show(event.target));
  search.addEventListener("change", () => {
    const wanted = search.value.trim().toLowerCase();
    const node = cy.nodes().filter((n) => n.data("label").toLowerCase() === wanted)[0];
    if (node) {
      show(node);
      cy.animate({ center: { eles: node } }, { duration: 0 });
    }
  });
  orgFilter.addEventListener("change", () => {
    cy.elements().removeClass("faded");
    if (!orgFilter.value) return;
    const outside = cy.nodes().filter((n) => n.data("organisation") !== orgFilter.value);
    outside.addClass("faded");
    outside.connectedEdges().addClass("faded");
  });
  window.triskelNetwork = cy;
}
