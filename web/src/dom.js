// A few DOM helpers: elements built from data, never from HTML strings (store values are text).
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

// The last segment of an IRI, for people to read; the whole IRI stays in the link's title.
export function short(iri) {
  const cut = Math.max(iri.lastIndexOf("#"), iri.lastIndexOf("/"));
  return cut >= 0 && cut < iri.length - 1 ? iri.slice(cut + 1) : iri;
}

export function entityLink(iri, text) {
  return h("a", { href: `/entity?iri=${encodeURIComponent(iri)}`, title: iri }, text || short(iri));
}

const SEVERITY_ICON = { violation: "✖", warning: "▲", info: "ℹ" };
export const SEVERITIES = ["violation", "warning", "info"];
// The keys `GET /findings?layer_pair=` takes: a rule within one layer, or a pair of layers.
export const LAYER_PAIRS = [
  "practice",
  "organization",
  "technology",
  "practice/organization",
  "practice/technology",
  "organization/technology",
];

// A severity as colour, icon and word together: colour is never the only cue.
export function severityBadge(severity) {
  return h(
    "span",
    { class: `severity severity-${severity}` },
    h("span", { "aria-hidden": "true" }, SEVERITY_ICON[severity] || "•"),
    ` ${severity}`,
  );
}

export function say(text) {
  document.getElementById("status").textContent = text;
}

export function percent(score) {
  return score === null || score === undefined ? "n/a" : `${Math.round(score * 100)}%`;
}

// A labelled select of [value, text] options with `chosen` selected.
export function selectField(id, name, label, options, chosen) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h(
      "select",
      { id, name },
      options.map(([value, text]) => h("option", { value, selected: value === chosen }, text)),
    ),
  );
}

// Report results (a diff's or a what-if's findings opened or closed) as a table, one row per
// finding with its id, or a sentence when there are none.
export function findingTable(id, caption, results) {
  if (!results.length) return h("p", { id }, `No ${caption.toLowerCase()}.`);
  return h(
    "table",
    { id },
    h("caption", {}, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Severity", "Rule", "Focus", "Message"].map((label) => h("th", { scope: "col" }, label)),
      ),
    ),
    h(
      "tbody",
      {},
      results.map((r) =>
        h(
          "tr",
          { class: "finding", "data-id": r.id },
          h("td", {}, severityBadge(r.severity)),
          h("td", {}, h("abbr", { title: r.label || r.rule }, r.rule)),
          h("td", {}, entityLink(r.focus)),
          h("td", {}, r.message),
        ),
      ),
    ),
  );
}
