// Overview: alignment scores per practice and per organisation, findings by severity and by
// layer pair, the store's size, the last write the service committed (`last_write` of
// `GET /findings`), the newest kept validation and the trend over kept reports.
import { getJSON } from "./api.js";
import { entityLink, h, LAYER_PAIRS, percent, SEVERITIES, severityBadge } from "./dom.js";

function scoreBars(title, id, entries) {
  const rows = Object.entries(entries)
    .sort(([, a], [, b]) => a.label.localeCompare(b.label))
    .map(([iri, entry]) => {
      const width = entry.score === null ? 0 : Math.round(entry.score * 100);
      const findings = SEVERITIES.reduce((sum, s) => sum + (entry.findings[s] || 0), 0);
      return h(
        "tr",
        { "data-iri": iri, "data-score": entry.score === null ? "" : entry.score },
        h("th", { scope: "row" }, entityLink(iri, entry.label || iri)),
        h(
          "td",
          { class: "bar-cell" },
          h(
            "span",
            { class: "bar", role: "img", "aria-label": `score ${percent(entry.score)}` },
            h("span", { class: "bar-fill", style: `width:${width}%` }),
          ),
          h("span", { class: "bar-value" }, percent(entry.score)),
        ),
        h("td", { class: "num" }, `${entry.aligned} of ${entry.conversations}`),
        h("td", { class: "num" }, findings),
      );
    });
  return h(
    "section",
    { "aria-labelledby": id },
    h("h2", { id }, title),
    h(
      "table",
      { class: "scores", id: `${id}-table` },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Name"),
          h("th", { scope: "col" }, "Alignment score"),
          h("th", { scope: "col" }, "Aligned conversations"),
          h("th", { scope: "col" }, "Findings"),
        ),
      ),
      h("tbody", {}, rows),
    ),
  );
}

function bySeverity(counts, total) {
  return h(
    "section",
    { "aria-labelledby": "by-severity" },
    h("h2", { id: "by-severity" }, "Findings by severity"),
    h(
      "p",
      {},
      "Current findings: ",
      h("a", { href: "/findings", id: "findings-total" }, total),
    ),
    h(
      "ul",
      { class: "tiles", id: "severity-counts" },
      SEVERITIES.map((severity) =>
        h(
          "li",
          { "data-severity": severity },
          h(
            "a",
            { href: `/findings?severity=${severity}` },
            severityBadge(severity),
            h("span", { class: "tile-count" }, counts[severity] || 0),
          ),
        ),
      ),
    ),
  );
}

function byLayerPair(pairs) {
  const rows = pairs.map(([pair, counts]) =>
      h(
        "tr",
        { "data-layer-pair": pair },
        h(
          "th",
          { scope: "row" },
          h("a", { href: `/findings?layer_pair=${encodeURIComponent(pair)}` }, pair),
        ),
        SEVERITIES.map((s) => h("td", { class: "num" }, counts[s] || 0)),
      ),
    );
  return h(
    "section",
    { "aria-labelledby": "by-layer-pair" },
    h("h2", { id: "by-layer-pair" }, "Findings by layer pair"),
    h(
      "table",
      { id: "layer-pairs" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Layers"),
          SEVERITIES.map((s) => h("th", { scope: "col" }, severityBadge(s))),
        ),
      ),
      h("tbody", {}, rows),
    ),
  );
}

// A small line chart of the findings of each kept report, oldest first (an SVG polyline).
function trend(reports) {
  const points = reports
    .slice()
    .reverse()
    .map((report) => ({
      when: report.created,
      total: SEVERITIES.reduce((sum, s) => sum + (report.counts[s] || 0), 0),
    }));
  const section = h(
    "section",
    { "aria-labelledby": "trend" },
    h("h2", { id: "trend" }, "Findings over the kept reports"),
  );
  if (points.length < 2) {
    section.append(
      h("p", {}, `${points.length} kept report${points.length === 1 ? "" : "s"}: no trend yet.`),
    );
    return section;
  }
  const top = Math.max(...points.map((p) => p.total), 1);
  const step = 300 / (points.length - 1);
  const line = points.map((p, i) => `${i * step},${80 - (p.total / top) * 70}`).join(" ");
  const first = points[0];
  const last = points[points.length - 1];
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 300 80");
  svg.setAttribute("class", "trend");
  svg.setAttribute("role", "img");
  svg.setAttribute(
    "aria-label",
    `${points.length} reports: ${first.total} findings on ${first.when.slice(0, 10)}, ` +
      `${last.total} on ${last.when.slice(0, 10)}`,
  );
  const polyline = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  polyline.setAttribute("points", line);
  svg.append(polyline);
  section.append(svg);
  return section;
}

function when(time, otherwise) {
  return time ? h("time", { datetime: time }, time) : otherwise;
}

function facts(health, lastWrite, reports) {
  const newest = reports[0];
  return h(
    "section",
    { "aria-labelledby": "store-facts" },
    h("h2", { id: "store-facts" }, "Store"),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Triples"),
      h("dd", { id: "store-triples" }, health.triples),
      h("dt", {}, "Graphs"),
      h("dd", {}, health.graphs),
      h("dt", {}, "Last write"),
      h("dd", { id: "last-write" }, when(lastWrite, "none through the service since the store was loaded")),
      h("dt", {}, "Last kept validation"),
      h("dd", { id: "last-validation" }, when(newest?.created, "none kept yet")),
      h("dt", {}, "Versions"),
      h("dd", {}, `service ${health.version}, ontology ${health.ontology_version}`),
    ),
  );
}

export async function overview(main) {
  const [alignment, findings, health, reports, ...pairs] = await Promise.all([
    getJSON("/alignment"),
    getJSON("/findings?limit=0"),
    getJSON("/health"),
    getJSON("/reports?limit=50"),
    ...LAYER_PAIRS.map((pair) => getJSON(`/findings?limit=0&layer_pair=${pair}`)),
  ]);
  const byPair = LAYER_PAIRS.map((pair, i) => [pair, pairs[i].body.counts]);
  main.replaceChildren(
    h("h1", {}, "Overview"),
    h(
      "div",
      { class: "grid" },
      bySeverity(findings.body.counts, findings.body.page.total),
      facts(health.body, findings.body.last_write, reports.body.reports),
    ),
    scoreBars("Alignment per practice", "practices", alignment.body.practices),
    scoreBars("Alignment per organisation", "organisations", alignment.body.organisations),
    byLayerPair(byPair),
    trend(reports.body.reports),
  );
}
