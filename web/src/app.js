// The dashboard's one script: picks the page from the URL, shows the token form when the
// service answers 401 or 403, and keeps focus and the current page link right for
// keyboard and screen-reader users.
import "./style.css";
import { forgetToken, keepToken, NeedsToken, token } from "./api.js";
import { diff } from "./diff.js";
import { entity } from "./entity.js";
import { findings } from "./findings.js";
import { importPage } from "./import.js";
import { h, say } from "./dom.js";
import { overview } from "./overview.js";
import { whatif } from "./whatif.js";

// The Query and Network pages carry large libraries (YASGUI, Sigma.js): bundles of their
// own, loaded only on their page so the Overview paints from a small script.
function lazy(bundle) {
  return async (main) => {
    const { mount } = await import(bundle);
    await mount(main);
  };
}
const query = lazy("/static/query.js");
const network = lazy("/static/network.js");

const PAGES = {
  "/": overview,
  "/findings": findings,
  "/network": network,
  "/entity": entity,
  "/query": query,
  "/diff": diff,
  "/import": importPage,
  "/whatif": whatif,
};

function tokenForm(main, message) {
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "off",
    required: true,
  });
  const form = h(
    "form",
    { id: "token-form", "aria-labelledby": "token-title" },
    h("h1", { id: "token-title" }, "A token is needed"),
    h("p", { role: "alert" }, message),
    h("label", { for: "token" }, "Token with the read role"),
    input,
    h("button", { type: "submit" }, "Use this token"),
    h("p", { class: "hint" }, "Kept for this browser tab only, sent as a bearer header."),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    keepToken(input.value.trim());
    render();
  });
  main.replaceChildren(form);
  input.focus();
}

async function render() {
  const main = document.getElementById("main");
  const page = PAGES[location.pathname];
  const forget = document.getElementById("forget-token");
  forget.hidden = !token();
  for (const link of document.querySelectorAll("nav a[data-page]")) {
    const current = link.getAttribute("href") === location.pathname;
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!page) {
    main.replaceChildren(h("h1", {}, "Not found"), h("p", {}, "This page does not exist."));
    return;
  }
  try {
    await page(main);
    document.title = `${main.querySelector("h1")?.textContent || "Triskel"} · Triskel`;
    document.body.dataset.ready = location.pathname;
    performance.mark("triskel:ready"); // the page shows its data (benchmarks read it)
  } catch (error) {
    if (error instanceof NeedsToken) {
      tokenForm(
        main,
        error.forbidden || token()
          ? `The token was refused: ${error.message}`
          : "This service needs a token to read its data.",
      );
    } else {
      main.replaceChildren(h("h1", {}, "Something went wrong"), h("p", { role: "alert" }, error.message));
    }
    document.body.dataset.ready = "error";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("forget-token").addEventListener("click", () => {
    forgetToken();
    say("Token forgotten");
    render();
  });
  render();
});
