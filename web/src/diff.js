// Diff: what changed between two kept reports (`GET /reports/{id}/diff?against=`): the
// findings opened since the earlier report and those closed, as `/diff?report=ID&against=ID2`
// (the two newest reports when not given), so a comparison can be bookmarked.
import { getJSON } from "./api.js";
import { findingTable, h, say, selectField } from "./dom.js";

function reportSelect(name, label, reports, chosen) {
  const when = (r) => `${r.created.slice(0, 19).replace("T", " ")} (${r.id})`;
  return selectField(`diff-${name}`, name, label, reports.map((r) => [r.id, when(r)]), chosen);
}

export async function diff(main) {
  const reports = (await getJSON("/reports?limit=1000")).body.reports;
  if (reports.length < 2) {
    main.replaceChildren(
      h("h1", {}, "Compare reports"),
      h("p", { id: "diff-summary" }, "Two kept validations are needed: POST /validate twice."),
    );
    return;
  }
  const params = new URLSearchParams(location.search);
  const report = params.get("report") || reports[0].id;
  const against = params.get("against") || reports[1].id;
  const path = `/reports/${encodeURIComponent(report)}/diff?against=${encodeURIComponent(against)}`;
  const found = (await getJSON(path)).body;
  const form = h(
    "form",
    { id: "diff-form", "aria-label": "Reports to compare", action: "/diff", method: "get" },
    reportSelect("report", "Report", reports, report),
    reportSelect("against", "Against the earlier report", reports, against),
    h("button", { type: "submit" }, "Compare"),
  );
  const { counts } = found;
  const summary = `${counts.new} opened, ${counts.resolved} closed, ${counts.still_open} still open`;
  main.replaceChildren(
    h("h1", {}, "Compare reports"),
    form,
    h("p", { id: "diff-summary" }, summary),
    h("h2", {}, "Opened"),
    findingTable("opened", "Findings opened", found.new),
    h("h2", {}, "Closed"),
    findingTable("closed", "Findings closed", found.resolved),
  );
  say(summary);
}
