// Entity page: any IRI of the store — its types, labels, the statements it is the subject
// and the object of (each term a link to its own page) and the findings about it.
import { getJSON, select } from "./api.js";
import { entityLink, h, SEVERITIES, severityBadge, short } from "./dom.js";

const RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const LABELS = new Set([
  "http://www.w3.org/2000/01/rdf-schema#label",
  "http://www.w3.org/2004/02/skos/core#prefLabel",
  "http://xmlns.com/foaf/0.1/name",
]);
const LIMIT = 500;

// An IRI is written into the query between <>: refuse what could end that term.
function checked(iri) {
  if (!iri || /[\s<>"{}|^`\\]/.test(iri)) return null;
  return iri;
}

function term(binding) {
  if (!binding) return "";
  if (binding.type === "uri") return entityLink(binding.value);
  if (binding.type === "bnode") return `_:${binding.value}`;
  return binding["xml:lang"] ? `"${binding.value}"@${binding["xml:lang"]}` : binding.value;
}

function statements(id, title, rows, columns) {
  return h(
    "section",
    { "aria-labelledby": id },
    h("h2", { id }, `${title} (${rows.length}${rows.length === LIMIT ? "+" : ""})`),
    rows.length
      ? h(
          "table",
          { id: `${id}-table` },
          h("thead", {}, h("tr", {}, columns.map(([, label]) => h("th", { scope: "col" }, label)))),
          h(
            "tbody",
            {},
            rows.map((row) => h("tr", {}, columns.map(([key]) => h("td", {}, term(row[key]))))),
          ),
        )
      : h("p", {}, "none"),
  );
}

function findingList(found) {
  return h(
    "section",
    { "aria-labelledby": "entity-findings" },
    h("h2", { id: "entity-findings" }, `Findings (${found.length})`),
    found.length
      ? h(
          "ul",
          { id: "entity-findings-list" },
          found.map((finding) =>
            h(
              "li",
              {},
              severityBadge(finding.severity),
              " ",
              h("a", { href: `/findings?rule=${finding.rule}` }, finding.rule),
              ` ${finding.message}`,
            ),
          ),
        )
      : h("p", {}, "none"),
  );
}

export async function entity(main) {
  const iri = checked(new URLSearchParams(location.search).get("iri"));
  if (!iri) {
    main.replaceChildren(
      h("h1", {}, "Entity"),
      h("p", { role: "alert" }, "Give an IRI without spaces or <>\"{}|^`\\ characters: /entity?iri=…"),
    );
    return;
  }
  // Data graphs only: the service's system graphs (reports, ledger, live findings) are
  // shown by the findings section, not as properties.
  const system =
    'FILTER (!STRSTARTS(STR(?g), "urn:triskel:") || STRSTARTS(STR(?g), "urn:triskel:file:")' +
    ' || STRSTARTS(STR(?g), "urn:triskel:import:"))';
  const [outgoing, incoming, asFocus, asPerson] = await Promise.all([
    select(`SELECT DISTINCT ?p ?o ?g WHERE { GRAPH ?g { <${iri}> ?p ?o } ${system} } ORDER BY ?p ?o LIMIT ${LIMIT}`),
    select(`SELECT DISTINCT ?s ?p ?g WHERE { GRAPH ?g { ?s ?p <${iri}> } ${system} } ORDER BY ?p ?s LIMIT ${LIMIT}`),
    getJSON(`/findings?limit=500&focus=${encodeURIComponent(iri)}`),
    getJSON(`/findings?limit=500&person=${encodeURIComponent(iri)}`),
  ]);
  const types = outgoing.filter((row) => row.p.value === RDF_TYPE).map((row) => row.o);
  const labels = outgoing.filter((row) => LABELS.has(row.p.value)).map((row) => row.o.value);
  const seen = new Set();
  const found = [...asFocus.body.results, ...asPerson.body.results]
    .filter((finding) => !seen.has(finding.id) && seen.add(finding.id))
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  main.replaceChildren(
    h("h1", {}, labels[0] || short(iri)),
    h("p", { class: "iri" }, h("code", {}, iri)),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Types"),
      h("dd", { id: "entity-types" }, types.length ? types.map((t) => [term(t), " "]) : "none"),
      h("dt", {}, "Labels"),
      h("dd", {}, labels.length ? [...new Set(labels)].join(", ") : "none"),
    ),
    findingList(found),
    statements("outgoing", "Properties", outgoing, [
      ["p", "Property"],
      ["o", "Value"],
      ["g", "Graph"],
    ]),
    statements("incoming", "Referred to by", incoming, [
      ["s", "Subject"],
      ["p", "Property"],
      ["g", "Graph"],
    ]),
  );
}
