// Import: a source of one kind (`GET /import/kinds`) uploaded to `POST /import/{kind}`, as a
// dry run or written, and the summary it answers: what was made, and every item skipped with
// where and why. Reading the page needs the read role; importing needs the write role, and a
// refused import offers to enter another token without leaving the form.
import { getJSON, keepToken, post } from "./api.js";
import { entityLink, h, say } from "./dom.js";

const COUNTS = ["people", "organisations", "tools", "practices", "conversations", "acts", "arcs"];

function optionsHint(kind) {
  if (!kind.options.length) return "This kind takes no options.";
  return `Options: ${kind.options
    .map((o) => `${o.name}${o.default === null ? "" : ` (default ${o.default})`}: ${o.help}`)
    .join("; ")}`;
}

function summary(report) {
  const written = report.written ? "yes" : report.dry_run ? "no (dry run)" : "no (already imported)";
  return h(
    "section",
    { id: "import-summary", "aria-labelledby": "summary-title" },
    h("h2", { id: "summary-title" }, "Summary"),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Graph"),
      h("dd", { id: "import-graph" }, report.written ? entityLink(report.graph, report.graph) : report.graph),
      h("dt", {}, "Written"),
      h("dd", { id: "import-written" }, written),
      h("dt", {}, "Triples"),
      h("dd", { id: "import-triples" }, report.triples),
      COUNTS.map((name) => [h("dt", {}, name), h("dd", { "data-count": name }, report[name])]),
      h("dt", {}, "Skipped"),
      h("dd", { id: "import-skipped-count" }, report.skipped_count),
    ),
    report.skipped.length
      ? h(
          "table",
          { id: "import-skipped" },
          h("caption", {}, "Items skipped"),
          h(
            "thead",
            {},
            h("tr", {}, h("th", { scope: "col" }, "Where"), h("th", { scope: "col" }, "Why")),
          ),
          h(
            "tbody",
            {},
            report.skipped.map((item) => h("tr", {}, h("td", {}, item.where), h("td", {}, item.why))),
          ),
        )
      : h("p", {}, "Nothing was skipped."),
  );
}

// The refusal of an import without the write role, with a field for a token that has it.
function refused(detail, retry) {
  const input = h("input", { id: "write-token", type: "password", autocomplete: "off" });
  return h(
    "div",
    { id: "import-refused" },
    h("p", { role: "alert" }, `Importing needs a token with the write role: ${detail}`),
    h("label", { for: "write-token" }, "Token with the write role"),
    input,
    h(
      "button",
      {
        type: "button",
        id: "use-write-token",
        onclick: () => {
          keepToken(input.value.trim());
          retry();
        },
      },
      "Use this token and import",
    ),
  );
}

export async function importPage(main) {
  const kinds = (await getJSON("/import/kinds")).body.kinds;
  const kindSelect = h(
    "select",
    { id: "import-kind", name: "kind" },
    kinds.map((k) => h("option", { value: k.kind, selected: k.kind === "eventlog" }, k.kind)),
  );
  const hint = h("p", { id: "import-options-hint", class: "hint" });
  const showHint = () => {
    hint.textContent = optionsHint(kinds.find((k) => k.kind === kindSelect.value));
  };
  kindSelect.addEventListener("change", showHint);
  showHint();
  const file = h("input", { id: "import-file", name: "source", type: "file", multiple: true, required: true });
  const options = h("textarea", { id: "import-options", rows: 3, "aria-describedby": "import-options-hint" });
  const dryRun = h("input", { id: "import-dry-run", type: "checkbox", checked: true });
  const pseudonymise = h("input", { id: "import-pseudonymise", type: "checkbox" });
  const result = h("div", { id: "import-result", "aria-live": "polite" });
  const send = async () => {
    const params = new URLSearchParams();
    if (dryRun.checked) params.set("dry_run", "true");
    if (pseudonymise.checked) params.set("pseudonymise", "true");
    for (const line of options.value.split("\n").map((l) => l.trim()).filter(Boolean)) {
      params.append("option", line);
    }
    const form = new FormData();
    for (const chosen of file.files) form.append("source", chosen, chosen.name);
    result.replaceChildren(h("p", {}, "Importing…"));
    const answer = await post(`/import/${encodeURIComponent(kindSelect.value)}?${params}`, form);
    if (answer.status === 401 || answer.status === 403) {
      result.replaceChildren(refused(answer.detail, send));
      result.querySelector("#write-token").focus();
    } else if (answer.body) {
      result.replaceChildren(summary(answer.body));
      say(`Import summary: ${answer.body.written ? "written" : "not written"}`);
    } else {
      result.replaceChildren(h("p", { role: "alert", id: "import-error" }, answer.detail));
    }
  };
  const formElement = h(
    "form",
    { id: "import-form", "aria-labelledby": "import-title" },
    h("div", { class: "field" }, h("label", { for: "import-kind" }, "Kind of source"), kindSelect),
    h("div", { class: "field" }, h("label", { for: "import-file" }, "File(s)"), file),
    h("div", { class: "field" }, h("label", { for: "import-options" }, "Options, one NAME=VALUE a line"), options, hint),
    h("div", { class: "field check" }, dryRun, h("label", { for: "import-dry-run" }, "Dry run: write nothing, show the summary")),
    h("div", { class: "field check" }, pseudonymise, h("label", { for: "import-pseudonymise" }, "Pseudonymise identifiers")),
    h("button", { type: "submit" }, "Import"),
  );
  formElement.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  main.replaceChildren(
    h("h1", { id: "import-title" }, "Import"),
    h("p", {}, "Read a source of one kind into one named graph, all or nothing; writing needs the write role."),
    formElement,
    result,
  );
}
