// Network: the organisation layer as one picture — people coloured by organisation, arcs as
// edges as wide as their weight, with their channel tools; arcs a current finding names (as
// its focus or value) drawn red, wider and above the others. Sigma.js draws the graphology
// graph with WebGL (Cytoscape's canvas and its `cose` layout took minutes at 5,000 people and
// 50,000 arcs) with its cheapest programs, so panning stays smooth there even in software
// WebGL: people as points (one vertex each; as instanced discs, panning 5,000 people ran at
// 12 frames a second against 50 as points), and on a large network the arcs no finding names
// as one-pixel lines (50,000 arcs took a second to draw as rectangles, 50 ms as lines), their
// weight then in the side panel only. The page draws at once with people grouped by
// organisation, then ForceAtlas2 refines the layout in a web worker for a bounded number of
// iterations. The graph model stays inspectable (`window.triskelNetwork`) and every person is
// reachable by the search field and the side panel, without a mouse.
import Graph from "graphology";
import Sigma from "sigma";
import { EdgeLineProgram, EdgeRectangleProgram, NodePointProgram } from "sigma/rendering";
import { getJSON } from "./api.js";
import { entityLink, h, say, short } from "./dom.js";

// Colour-blind-safe palette (Okabe–Ito); the organisation is also named in the side panel.
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"];
const FLAGGED = "#a4161a";
const EDGE = "#8a96a3";
const FADED = "#e4e7eb";
// The layout's refinement: at most this many ForceAtlas2 iterations or this long, whichever
// comes first, so a large network settles in seconds and then stays still.
const ITERATIONS = 200;
const CHUNK = 20;
const REFINE_MS = 20_000;
// Organisations named in the legend; past them the colours repeat and the side panel names
// a person's organisation.
const LEGEND = PALETTE.length;
// Above this many arcs, arcs are hidden while the view moves (drawn again when it stops), and
// the arcs no finding names are thin lines.
const LARGE = 10_000;
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

// The first positions, computed in one pass: each organisation a sunflower disc of its
// people, the discs on a circle — readable at once, and a good start for ForceAtlas2.
function placeByOrganisation(graph) {
  const groups = new Map();
  graph.forEachNode((node, attributes) => {
    const key = attributes.organisation;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(node);
  });
  const keys = [...groups.keys()].sort();
  const largest = Math.max(...[...groups.values()].map((members) => members.length));
  const radius = keys.length > 1 ? (2.5 * Math.sqrt(largest)) / Math.sin(Math.PI / keys.length) : 0;
  keys.forEach((key, k) => {
    const angle = (2 * Math.PI * k) / keys.length;
    const [cx, cy] = [radius * Math.cos(angle), radius * Math.sin(angle)];
    groups.get(key).forEach((node, i) => {
      const r = Math.sqrt(i + 0.5) * 2;
      graph.mergeNodeAttributes(node, {
        x: cx + r * Math.cos(i * GOLDEN_ANGLE),
        y: cy + r * Math.sin(i * GOLDEN_ANGLE),
      });
    });
  });
}

// The graph from `GET /network/graph`'s compact arrays (service/network/picture.py): people
// as [iri, name, organisation], arcs as [iri, source, target, weight, tools] by index.
function buildGraph(network, flagged, colours) {
  const graph = new Graph({ multi: true, type: "directed" });
  for (const [iri, label, organisation] of network.people) {
    graph.addNode(iri, {
      label: label || short(iri),
      organisation: organisation || "",
      color: colours.get(organisation) || "#777777",
      size: 4,
    });
  }
  const tools = network.tools.map(short);
  const large = network.arcs.length > LARGE;
  for (const [arc, source, target, weight, channels] of network.arcs) {
    const isFlagged = flagged.has(arc);
    graph.addDirectedEdgeWithKey(arc, network.people[source][0], network.people[target][0], {
      weight: weight ?? 1,
      channels: channels.map((tool) => tools[tool]),
      flagged: isFlagged,
      color: isFlagged ? FLAGGED : EDGE,
      size: (isFlagged ? 2 : 0.5) + (Math.min(weight ?? 1, 40) / 40) * 4,
      zIndex: isFlagged ? 1 : 0,
      type: isFlagged || !large ? "wide" : "thin",
    });
  }
  placeByOrganisation(graph);
  return graph;
}

function panel(graph, node, findingsOf) {
  const arcs = graph.mapEdges(node, (edge, attributes, source, target) => {
    const other = source === node ? target : source;
    return h(
      "li",
      {},
      entityLink(other, graph.getNodeAttribute(other, "label")),
      ` — ${attributes.channels.sort().join(", ") || "no tool"}, weight ${attributes.weight}`,
      attributes.flagged ? h("strong", { class: "flag" }, " (named by a finding)") : "",
    );
  });
  const organisation = graph.getNodeAttribute(node, "organisation");
  return [
    h("h2", { id: "person-title" }, graph.getNodeAttribute(node, "label")),
    h("p", {}, "Organisation: ", organisation ? entityLink(organisation) : "none recorded"),
    h(
      "p",
      {},
      h("a", { href: `/findings?person=${encodeURIComponent(node)}` }, `Findings: ${findingsOf(node)}`),
      " · ",
      entityLink(node, "Entity page"),
    ),
    h("h3", {}, `Arcs (${arcs.length})`),
    h("ul", { id: "person-arcs" }, arcs),
  ];
}

// `apply` wrapped to run at once, or when the drag of the view in progress ends (with the
// latest value only): new positions re-index every person and arc, which at 50,000 arcs held
// a drag during the layout's refinement to 11 pictures a second.
function afterDrag(renderer, apply) {
  const captor = renderer.getMouseCaptor();
  let dragging = false;
  let pending = null;
  captor.on("mousedown", () => {
    dragging = true;
  });
  captor.on("mouseup", () => {
    dragging = false;
    if (pending) apply(pending);
    pending = null;
  });
  return (value) => {
    if (dragging) pending = value;
    else apply(value);
  };
}

// ForceAtlas2 in a web worker (network-layout.js) from the first positions, for at most
// ITERATIONS iterations or REFINE_MS, the picture updated after every CHUNK iterations (by
// an update `defer`red while the view is dragged); resolves with the iterations done when the
// layout is still.
function refine(graph, defer) {
  if (graph.size === 0) return Promise.resolve(0);
  const order = graph.nodes();
  const index = new Map(order.map((node, i) => [node, i]));
  const positions = new Float64Array(order.length * 2);
  order.forEach((node, i) => {
    positions[2 * i] = graph.getNodeAttribute(node, "x");
    positions[2 * i + 1] = graph.getNodeAttribute(node, "y");
  });
  const edges = new Uint32Array(graph.size * 2);
  let at = 0;
  graph.forEachEdge((edge, attributes, source, target) => {
    edges[at] = index.get(source);
    edges[at + 1] = index.get(target);
    at += 2;
  });
  const place = defer((moved) =>
    graph.updateEachNodeAttributes((node, attributes) => {
      const i = index.get(node);
      return { ...attributes, x: moved[2 * i], y: moved[2 * i + 1] };
    }),
  );
  return new Promise((resolve, reject) => {
    const worker = new Worker("/static/network-layout.js", { type: "module" });
    worker.onerror = (event) => reject(new Error(`layout: ${event.message}`));
    worker.onmessage = ({ data }) => {
      if (data.finished) {
        worker.terminate();
        resolve(data.done);
        return;
      }
      place(data.positions);
    };
    worker.postMessage(
      { positions, edges, iterations: ITERATIONS, chunk: CHUNK, ms: REFINE_MS },
      [positions.buffer, edges.buffer],
    );
  });
}

function nextFrame() {
  return new Promise((resolve) => requestAnimationFrame(resolve));
}

export async function mount(main) {
  const [network, findings] = await Promise.all([
    getJSON("/network/graph"),
    getJSON("/findings?limit=100000"),
  ]);
  performance.mark("triskel:network-data"); // the store's answers are in (benchmarks read it)
  const flagged = new Set(findings.body.results.flatMap((f) => [f.focus, f.value]));
  const byPerson = new Map();
  for (const finding of findings.body.results) {
    for (const person of finding.people || []) byPerson.set(person, (byPerson.get(person) || 0) + 1);
  }
  const organisations = [...new Set(network.body.people.map((p) => p[2]).filter(Boolean))].sort();
  const colours = new Map(organisations.map((iri, i) => [iri, PALETTE[i % PALETTE.length]]));
  const graph = buildGraph(network.body, flagged, colours);
  const canvas = h("div", {
    id: "network",
    role: "img",
    "aria-label": `${graph.order} people and ${graph.size} arcs`,
  });
  const side = h("aside", { id: "person-panel", "aria-live": "polite", "aria-label": "Selected person" });
  const search = h("input", { id: "person-search", type: "search", list: "people-names" });
  const names = h(
    "datalist",
    { id: "people-names" },
    graph.mapNodes((node, attributes) => h("option", { value: attributes.label })),
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
    organisations
      .slice(0, LEGEND)
      .map((iri) =>
        h("li", {}, h("span", { class: "swatch", style: `background:${colours.get(iri)}` }), short(iri)),
      ),
    organisations.length > LEGEND
      ? h("li", {}, `and ${organisations.length - LEGEND} more organisations (colours repeat)`)
      : "",
    h("li", {}, h("span", { class: "swatch flagged-swatch" }), "arc named by a finding (red, wider)"),
  );
  const status = h("p", { id: "layout-status", class: "hint" }, "Refining the layout…");
  main.replaceChildren(
    h("h1", {}, "Network"),
    h(
      "div",
      { class: "network-controls" },
      h("div", { class: "field" }, h("label", { for: "person-search" }, "Find a person"), search, names),
      h("div", { class: "field" }, h("label", { for: "network-organisation" }, "Organisation"), orgFilter),
    ),
    legend,
    status,
    h("div", { class: "network-layout" }, canvas, side),
  );
  const state = { selected: null, organisation: "" };
  const isFaded = (node) =>
    state.organisation !== "" && graph.getNodeAttribute(node, "organisation") !== state.organisation;
  const renderer = new Sigma(graph, canvas, {
    zIndex: true,
    hideEdgesOnMove: graph.size > LARGE, // software WebGL redraws 50,000 arcs at a few a second
    hideLabelsOnMove: graph.size > LARGE,
    labelRenderedSizeThreshold: graph.order > 500 ? 6 : 0, // every name on a small network
    defaultNodeType: "point",
    nodeProgramClasses: { point: NodePointProgram },
    // Drawn in this order: the wide arcs (those a finding names) above the thin ones.
    edgeProgramClasses: { thin: EdgeLineProgram, wide: EdgeRectangleProgram },
    nodeReducer: (node, data) => {
      if (node === state.selected) return { ...data, highlighted: true, size: data.size * 1.6 };
      return isFaded(node) ? { ...data, color: FADED, label: "" } : data;
    },
    edgeReducer: (edge, data) =>
      isFaded(graph.source(edge)) || isFaded(graph.target(edge)) ? { ...data, color: FADED } : data,
  });
  const show = (node) => {
    state.selected = node;
    side.replaceChildren(...panel(graph, node, (iri) => byPerson.get(iri) || 0));
    renderer.refresh({ skipIndexation: true });
    say(`${graph.getNodeAttribute(node, "label")} selected`);
  };
  renderer.on("clickNode", ({ node }) => show(node));
  search.addEventListener("change", () => {
    const wanted = search.value.trim().toLowerCase();
    const node = graph.findNode((n, attributes) => attributes.label.toLowerCase() === wanted);
    if (!node) return;
    show(node);
    const { x, y } = renderer.getNodeDisplayData(node);
    renderer.getCamera().setState({ x, y });
  });
  orgFilter.addEventListener("change", () => {
    state.organisation = orgFilter.value;
    renderer.refresh({ skipIndexation: true });
  });
  const settled = refine(graph, (apply) => afterDrag(renderer, apply)).then((iterations) => {
    status.textContent = `Layout refined (${iterations} iterations).`;
    document.body.dataset.networkSettled = String(iterations);
    return iterations;
  });
  window.triskelNetwork = {
    graph,
    renderer,
    settled,
    nodes: () => graph.nodes(),
    edges: () => graph.mapEdges((edge, attributes, source, target) => [edge, source, target]),
    flagged: () => graph.filterEdges((edge, attributes) => attributes.flagged),
    faded: () => graph.filterNodes(isFaded),
    organisation: (node) => graph.getNodeAttribute(node, "organisation"),
    camera: () => renderer.getCamera().getState(),
  };
  await nextFrame(); // the first picture is on screen before the page says it is ready
}
