// Findings: the current findings, filtered and paged by the service (`GET /findings` with
// limit/offset, so 100k findings cost one page), the filters kept in the URL so a view can
// be bookmarked; the service also sorts (`sort`) and searches (`q`) before paging, so both
// span every finding, not just the page shown.
import { getJSON } from "./api.js";
import {
  entityLink,
  h,
  LAYER_PAIRS,
  say,
  selectField,
  SEVERITIES,
  severityBadge,
  short,
} from "./dom.js";

const FILTERS = ["rule", "severity", "layer_pair", "practice", "organisation", "person", "q"];
const PAGE_SIZES = [10, 25, 50, 100, 500];
const COLUMNS = [
  ["severity", "Severity"],
  ["rule", "Rule"],
  ["focus", "Focus"],
  ["message", "Message"],
];

function state() {
  const params = new URLSearchParams(location.search);
  const limit = Number(params.get("limit")) || 50;
  return {
    params,
    limit: PAGE_SIZES.includes(limit) ? limit : 50,
    offset: Math.max(0, Number(params.get("offset")) || 0),
  };
}

function select(name, label, options, chosen) {
  return selectField(`filter-${name}`, name, label, [["", "any"], ...options], chosen);
}

function filterForm(rules, alignment, params, onChange) {
  const byLabel = (entries) =>
    Object.entries(entries)
      .map(([iri, entry]) => [iri, entry.label || short(iri)])
      .sort((a, b) => a[1].localeCompare(b[1]));
  const form = h(
    "form",
    { id: "filters", "aria-label": "Filter findings", role: "search" },
    select(
      "rule",
      "Rule",
      Object.entries(rules).map(([id, rule]) => [id, `${id} ${rule.label}`]),
      params.get("rule"),
    ),
    select(
      "severity",
      "Severity",
      SEVERITIES.map((s) => [s, s]),
      params.get("severity"),
    ),
    select(
      "layer_pair",
      "Layer pair",
      LAYER_PAIRS.map((p) => [p, p]),
      params.get("layer_pair"),
    ),
    select("practice", "Practice", byLabel(alignment.practices), params.get("practice")),
    select(
      "organisation",
      "Organisation",
      byLabel(alignment.organisations),
      params.get("organisation"),
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "filter-person" }, "Person (IRI)"),
      h("input", { id: "filter-person", name: "person", type: "url", value: params.get("person") }),
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "search" }, "Search all findings"),
      h("input", { id: "search", name: "q", type: "search", value: params.get("q") }),
    ),
    h("button", { type: "submit" }, "Apply"),
  );
  form.addEventListener("change", (event) => {
    if (event.target.tagName === "SELECT") onChange(new FormData(form));
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onChange(new FormData(form));
  });
  return form;
}

function detail(finding, span) {
  const links = (iris) => (iris.length ? iris.map((iri) => [entityLink(iri), " "]) : "none");
  return h(
    "tr",
    { class: "detail", id: `detail-${finding.id}`, hidden: true },
    h(
      "td",
      { colspan: span },
      h(
        "dl",
        {},
        h("dt", {}, "What it means"),
        h("dd", {}, finding.meaning || finding.label || ""),
        h("dt", {}, "What to do"),
        h("dd", {}, finding.remediation || "no remediation recorded"),
        h("dt", {}, "People"),
        h("dd", { class: "people" }, links(finding.people || [])),
        h("dt", {}, "Practices"),
        h("dd", {}, links(finding.practices || [])),
        h("dt", {}, "Conversations"),
        h("dd", {}, links(finding.conversations || [])),
        h("dt", {}, "Focus"),
        h("dd", {}, entityLink(finding.focus, `Open ${short(finding.focus)}`)),
      ),
    ),
  );
}

function rowsOf(results) {
  return results.flatMap((finding) => {
    const button = h(
      "button",
      {
        type: "button",
        class: "expand",
        "aria-expanded": "false",
        "aria-controls": `detail-${finding.id}`,
        "aria-label": `Details of ${finding.rule} on ${short(finding.focus)}`,
      },
      "▸",
    );
    const more = detail(finding, COLUMNS.length + 1);
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      button.textContent = open ? "▾" : "▸";
      more.hidden = !open;
    });
    const row = h(
      "tr",
      { class: "finding", "data-id": finding.id, "data-rule": finding.rule },
      h("td", {}, button),
      h("td", { "data-key": finding.severity }, severityBadge(finding.severity)),
      h("td", { "data-key": finding.rule }, h("abbr", { title: finding.label }, finding.rule)),
      h("td", { "data-key": finding.focus }, entityLink(finding.focus)),
      h("td", { "data-key": finding.message }, finding.message),
    );
    return [[row, more]];
  });
}

// The table of one page; `sort` is the URL's (`rule`, `-rule`, ...): a column's button sorts
// by it ascending, or descending when it already sorts ascending.
function table(results, sort, onSort) {
  const direction = (key) =>
    sort === key ? "ascending" : sort === `-${key}` ? "descending" : "none";
  const head = h(
    "tr",
    {},
    h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Details")),
    COLUMNS.map(([key, label]) =>
      h(
        "th",
        { scope: "col", "aria-sort": direction(key), "data-column": key },
        h(
          "button",
          { type: "button", class: "sort", onclick: () => onSort(sort === key ? `-${key}` : key) },
          label,
        ),
      ),
    ),
  );
  const body = h("tbody", {});
  for (const pair of rowsOf(results)) body.append(...pair);
  return h(
    "table",
    { id: "findings-table" },
    h("caption", { class: "visually-hidden" }, "Current findings"),
    h("thead", {}, head),
    body,
  );
}

function pager(total, offset, limit, go) {
  const last = Math.min(offset + limit, total);
  return h(
    "nav",
    { class: "pager", "aria-label": "Pages of findings" },
    h(
      "button",
      { type: "button", id: "previous-page", disabled: offset === 0, onclick: () => go(Math.max(0, offset - limit)) },
      "Previous page",
    ),
    h("span", { id: "page-position" }, total ? `${offset + 1}–${last} of ${total}` : "0 of 0"),
    h(
      "button",
      { type: "button", id: "next-page", disabled: last >= total, onclick: () => go(offset + limit) },
      "Next page",
    ),
  );
}

export async function findings(main) {
  const [everything, alignment] = await Promise.all([
    getJSON("/findings?limit=0"),
    getJSON("/alignment"),
  ]);
  const results = h("div", { id: "results" });

  // Only the newest view is drawn: an answer that comes back after a later click is dropped.
  let shown = 0;
  async function show() {
    const mine = ++shown;
    const { params, limit, offset } = state();
    const query = new URLSearchParams();
    for (const name of FILTERS) if (params.get(name)) query.set(name, params.get(name));
    if (params.get("sort")) query.set("sort", params.get("sort"));
    query.set("limit", limit);
    query.set("offset", offset);
    const found = (await getJSON(`/findings?${query}`)).body;
    if (mine !== shown) return;
    const total = found.page.total;
    const go = (to) => navigate({ offset: String(to) });
    const grid = table(found.results, params.get("sort"), (sort) =>
      navigate({ sort, offset: "" }),
    );
    results.replaceChildren(
      h("p", { id: "match-count" }, `${total} findings match.`),
      grid,
      pager(total, offset, limit, go),
    );
    say(`${total} findings match; showing ${found.results.length}`);
  }

  // Put the changed parameters in the URL (a new history entry) and show that view.
  async function navigate(changes) {
    const params = new URLSearchParams(location.search);
    for (const [name, value] of Object.entries(changes)) {
      if (value) params.set(name, value);
      else params.delete(name);
    }
    history.pushState(null, "", params.size ? `/findings?${params}` : "/findings");
    await show();
  }

  const form = filterForm(
    everything.body.by_rule,
    alignment.body,
    state().params,
    (data) => {
      // New filters start at the first page of the default size, in the same order.
      const changes = { offset: "", limit: "" };
      for (const name of FILTERS) changes[name] = (data.get(name) || "").trim();
      return navigate(changes);
    },
  );
  main.replaceChildren(h("h1", {}, "Findings"), form, results);
  window.addEventListener("popstate", () => {
    for (const name of FILTERS) {
      const field = form.elements.namedItem(name);
      if (field) field.value = state().params.get(name) || "";
    }
    show();
  });
  await show();
}
