// What-if: a scenario tried by `POST /whatif` (read role; nothing is written) and its impact
// — findings opened and closed, practices, conversations and customers affected, the network
// change. The form is built from the scenario schema the service checks
// (service/whatif/scenario.schema.json): one field per property of a step's kind, the IRIs
// of the class it names (`x-class`) offered from the store. Steps add up to a multi-step
// scenario; a raw SPARQL Update is a scenario too. The scenario run is kept in the URL
// (`/whatif?scenario=JSON` or `/whatif?update=TEXT`), so an impact can be bookmarked.
import schema from "../../service/whatif/scenario.schema.json";
import { post, select } from "./api.js";
import { entityLink, findingTable, h, say, short } from "./dom.js";

const KINDS = schema.$defs.step.properties.kind.enum;
const LIMIT = 5000;
const SCENARIO = "application/json";
const UPDATE = "application/sparql-update";

// The step properties a person fills in: every one but `kind`, required ones first.
function fieldsOf(kind) {
  const definition = schema.$defs[kind];
  return Object.entries(definition.properties)
    .filter(([name]) => name !== "kind")
    .map(([name, property]) => ({
      name,
      required: definition.required.includes(name),
      iriClass: property["x-class"] || null,
      help: property.description || "",
    }))
    .sort((a, b) => Number(b.required) - Number(a.required));
}

// The IRIs of a class (or of a subclass of it) in the store, with a label to read: a name,
// else an arc's two ends, else the IRI's last segment. The class IRI comes from the schema.
async function candidates(iriClass) {
  const rows = await select(`PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sb: <https://w3id.org/social-business#>
SELECT ?node (SAMPLE(?name) AS ?label) (SAMPLE(?from) AS ?source) (SAMPLE(?to) AS ?target) WHERE {
  ?node a/rdfs:subClassOf* <${iriClass}> .
  FILTER (isIRI(?node))
  OPTIONAL { ?node rdfs:label|<http://xmlns.com/foaf/0.1/name> ?name }
  OPTIONAL { ?node sb:source ?from ; sb:target ?to }
} GROUP BY ?node ORDER BY ?node LIMIT ${LIMIT}`);
  return rows
    .map((row) => {
      const iri = row.node.value;
      const ends = row.source && row.target ? `${short(row.source.value)} → ${short(row.target.value)}` : null;
      return [iri, row.label?.value || ends || short(iri)];
    })
    .sort((a, b) => a[1].localeCompare(b[1]));
}

function fieldId(kind, name) {
  return `whatif-${kind}-${name}`;
}

// The fields of one kind (shown while that kind is chosen): a select of the store's IRIs of
// the class a property names, else a text field for an optional IRI.
function kindFields(kind, options) {
  return h(
    "fieldset",
    { class: "whatif-fields", "data-kind": kind, hidden: true },
    h("legend", {}, `Fields of ${kind}`),
    fieldsOf(kind).map((field) => {
      const id = fieldId(kind, field.name);
      const hint = h("span", { class: "hint", id: `${id}-hint` }, field.help);
      const control = field.iriClass
        ? h(
            "select",
            { id, name: field.name, required: field.required, "aria-describedby": `${id}-hint` },
            field.required ? null : h("option", { value: "" }, "(none)"),
            options.get(field.iriClass).map(([iri, label]) => h("option", { value: iri }, `${label} (${short(iri)})`)),
          )
        : h("input", { id, name: field.name, type: "url", "aria-describedby": `${id}-hint` });
      const label = `${field.name}${field.required ? "" : " (optional)"}`;
      return h("div", { class: "field" }, h("label", { for: id }, label), control, field.help ? hint : null);
    }),
  );
}

// The step the form describes now: its kind and every filled-in field.
function stepOf(form) {
  const kind = form.querySelector("#whatif-kind").value;
  const step = { kind };
  for (const field of fieldsOf(kind)) {
    const value = form.querySelector(`#${fieldId(kind, field.name)}`).value.trim();
    if (value) step[field.name] = value;
  }
  return step;
}

function describe(step) {
  const values = Object.entries(step)
    .filter(([name]) => name !== "kind")
    .map(([name, iri]) => `${name} ${short(iri)}`);
  return `${step.kind}: ${values.join(", ")}`;
}

function list(id, title, iris) {
  return h(
    "section",
    { "aria-labelledby": `${id}-title` },
    h("h3", { id: `${id}-title` }, `${title} (${iris.length})`),
    iris.length ? h("ul", { id }, iris.map((iri) => h("li", { "data-iri": iri }, entityLink(iri)))) : h("p", { id }, "none"),
  );
}

// A count before and after as a table row.
function beforeAfter(key, label, counts) {
  return h(
    "tr",
    { "data-key": key },
    h("th", { scope: "row" }, label),
    h("td", { class: "num" }, counts.before),
    h("td", { class: "num" }, counts.after),
  );
}

// A list of people, or why it is only counted (per-person details need the admin role).
function people(id, found) {
  if (found.people === null) return h("p", { id, class: "hint" }, `${found.count}: ${found.reason}`);
  if (!found.people.length) return h("p", { id }, "none");
  return h("ul", { id }, found.people.map((iri) => h("li", { "data-iri": iri }, entityLink(iri))));
}

function networkChange(network) {
  const pairs = network.unit_pairs_unreachable;
  const brokerage = network.brokerage_lost;
  return h(
    "section",
    { "aria-labelledby": "whatif-network-title" },
    h("h2", { id: "whatif-network-title" }, "Network change"),
    h(
      "table",
      { id: "whatif-network" },
      h("caption", {}, "The undirected social network before and after"),
      h(
        "thead",
        {},
        h("tr", {}, h("th", { scope: "col" }, "Measure"), h("th", { scope: "col" }, "Before"), h("th", { scope: "col" }, "After")),
      ),
      h(
        "tbody",
        {},
        beforeAfter("people", "People", network.people),
        beforeAfter("ties", "Ties", network.ties),
        beforeAfter("components", "Connected components", network.components),
      ),
    ),
    h("h3", {}, `Pairs of units no longer connected: `, h("span", { id: "whatif-unit-pairs-count" }, pairs.count)),
    pairs.pairs.length
      ? h("ul", { id: "whatif-unit-pairs" }, pairs.pairs.map(([a, b]) => h("li", { "data-pair": `${a} ${b}` }, entityLink(a), " / ", entityLink(b))))
      : null,
    pairs.suppressed ? h("p", { class: "hint", id: "whatif-unit-pairs-suppressed" }, `${pairs.suppressed} not named: ${pairs.reason}`) : null,
    h("h3", {}, "New articulation points: ", h("span", { id: "whatif-articulation-count" }, network.new_articulation_points.count)),
    people("whatif-articulation", network.new_articulation_points),
    h("h3", {}, "Brokerage lost"),
    h(
      "table",
      { id: "whatif-brokerage" },
      h("caption", {}, "Two-paths lost, by brokerage role"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Role"), h("th", { scope: "col" }, "Lost"))),
      h(
        "tbody",
        {},
        Object.entries(brokerage.by_role).map(([role, lost]) =>
          h("tr", { "data-role": role }, h("th", { scope: "row" }, role), h("td", { class: "num" }, lost)),
        ),
      ),
    ),
    h("p", {}, "Brokers who lost some: ", h("span", { id: "whatif-brokers-count" }, brokerage.brokers.count)),
    people("whatif-brokers", brokerage.brokers),
  );
}

function impact(answer) {
  const { findings, affected, delta } = answer;
  return h(
    "section",
    { id: "whatif-impact", "aria-labelledby": "whatif-impact-title" },
    h("h2", { id: "whatif-impact-title" }, "Impact"),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Statements removed"),
      h("dd", { id: "whatif-removed" }, delta.removed),
      h("dt", {}, "Statements added"),
      h("dd", { id: "whatif-added" }, delta.added),
      h("dt", {}, "Findings opened"),
      h("dd", { id: "whatif-new-count" }, findings.counts.new),
      h("dt", {}, "Findings resolved"),
      h("dd", { id: "whatif-resolved-count" }, findings.counts.resolved),
    ),
    findingTable("whatif-new", "Findings opened", findings.new),
    findingTable("whatif-resolved", "Findings resolved", findings.resolved),
    h("h2", {}, "Affected"),
    affected.truncated ? h("p", { class: "hint", id: "whatif-truncated" }, "Too many changed nodes: the lists are partial.") : null,
    list("whatif-practices", "Practices", affected.practices),
    list("whatif-conversations", "Conversations", affected.conversations),
    list("whatif-customers", "Customers", affected.customers),
    networkChange(answer.network),
  );
}

export async function whatif(main) {
  const classes = [...new Set(KINDS.flatMap((kind) => fieldsOf(kind).map((f) => f.iriClass)).filter(Boolean))];
  const found = await Promise.all(classes.map(candidates));
  const options = new Map(classes.map((iriClass, i) => [iriClass, found[i]]));
  const steps = [];
  const result = h("div", { id: "whatif-result", "aria-live": "polite" });
  const stepList = h("ol", { id: "whatif-steps", "aria-label": "Steps of the scenario" });
  const title = h("input", { id: "whatif-title", name: "title", type: "text", maxlength: 200 });
  const kindSelect = h(
    "select",
    { id: "whatif-kind", name: "kind" },
    KINDS.map((kind) => h("option", { value: kind }, kind)),
  );
  const updateText = h("textarea", { id: "whatif-update", name: "update", rows: 6, spellcheck: "false", required: true });
  const fieldsets = KINDS.map((kind) => kindFields(kind, options));
  const showKind = () => {
    for (const set of fieldsets) {
      // A hidden kind's fields are disabled too: left out of the form's checks.
      set.hidden = set.disabled = set.dataset.kind !== kindSelect.value;
    }
  };
  kindSelect.addEventListener("change", showKind);

  const showSteps = () => {
    stepList.replaceChildren(
      ...steps.map((step, i) =>
        h(
          "li",
          { "data-kind": step.kind },
          describe(step),
          " ",
          h(
            "button",
            {
              type: "button",
              class: "remove-step",
              "aria-label": `Remove step ${i + 1}`,
              onclick: () => {
                steps.splice(i, 1);
                showSteps();
                kindSelect.focus();
              },
            },
            "Remove",
          ),
        ),
      ),
    );
  };

  const run = async (body, contentType, params) => {
    history.replaceState(null, "", `/whatif?${params}`);
    result.replaceChildren(h("p", {}, "Trying the scenario…"));
    const answer = await post("/whatif", body, contentType);
    if (answer.body) {
      result.replaceChildren(impact(answer.body));
      const counts = answer.body.findings.counts;
      say(`What-if: ${counts.new} findings opened, ${counts.resolved} resolved`);
    } else {
      result.replaceChildren(h("p", { role: "alert", id: "whatif-error" }, answer.detail));
    }
  };
  const runScenario = (scenario) => {
    const text = JSON.stringify(scenario);
    return run(text, SCENARIO, new URLSearchParams({ scenario: text }));
  };
  const runUpdate = (text) => run(text, UPDATE, new URLSearchParams({ update: text }));

  const form = h(
    "form",
    { id: "whatif-form", "aria-labelledby": "whatif-form-title" },
    h("h2", { id: "whatif-form-title" }, "A scenario"),
    h("div", { class: "field" }, h("label", { for: "whatif-title" }, "Title (optional)"), title),
    h("div", { class: "field" }, h("label", { for: "whatif-kind" }, "Kind of step"), kindSelect),
    fieldsets,
    h("button", { type: "button", id: "whatif-add-step" }, "Add this step"),
    stepList,
    h("p", { class: "hint", id: "whatif-run-hint" }, "Runs the steps added, in order; with none added, the step above alone."),
    h("button", { type: "submit", "aria-describedby": "whatif-run-hint" }, "Try the scenario"),
  );
  form.querySelector("#whatif-add-step").addEventListener("click", () => {
    steps.push(stepOf(form));
    showSteps();
    say(`Step ${steps.length} added`);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const scenario = { steps: steps.length ? steps : [stepOf(form)] };
    if (title.value.trim()) scenario.title = title.value.trim();
    runScenario(scenario);
  });
  const updateForm = h(
    "form",
    { id: "whatif-update-form", "aria-labelledby": "whatif-update-title" },
    h("h2", { id: "whatif-update-title" }, "Or a SPARQL Update"),
    h("div", { class: "field" }, h("label", { for: "whatif-update" }, "SPARQL Update to try"), updateText),
    h("button", { type: "submit" }, "Try the update"),
  );
  updateForm.addEventListener("submit", (event) => {
    event.preventDefault();
    runUpdate(updateText.value);
  });

  main.replaceChildren(
    h("h1", {}, "What if"),
    h("p", {}, "Try a change on the store without writing it: the findings it would open and close, what it reaches, and what it does to the network."),
    h("div", { class: "grid" }, form, updateForm),
    result,
  );
  showKind();

  // A bookmarked scenario or update is shown in the form and run again.
  const params = new URLSearchParams(location.search);
  if (params.has("scenario")) {
    let scenario = null;
    try {
      scenario = JSON.parse(params.get("scenario"));
    } catch {
      result.replaceChildren(h("p", { role: "alert", id: "whatif-error" }, "The scenario in the address is not JSON."));
    }
    if (scenario) {
      if (Array.isArray(scenario.steps)) steps.push(...scenario.steps);
      title.value = scenario.title || "";
      showSteps();
      await runScenario(scenario);
    }
  } else if (params.has("update")) {
    updateText.value = params.get("update");
    await runUpdate(updateText.value);
  }
}
