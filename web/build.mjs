// Builds the dashboard into service/api/static, the folder the service serves at /static and
// the wheel carries: the pages' script and styles bundled by esbuild, YASGUI and Sigma.js
// bundled for the Query and Network pages, and the Swagger UI and ReDoc files copied from
// their npm packages, so no page ever loads anything from another origin.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "service", "api", "static");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  entryPoints: {
    app: join(here, "src", "app.js"),
    query: join(here, "src", "query.js"),
    network: join(here, "src", "network.js"),
    "network-layout": join(here, "src", "network-layout.js"),
  },
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2020",
  outdir: out,
  loader: { ".css": "css" },
  logLevel: "warning",
  legalComments: "linked",
});

const copies = {
  "src/index.html": "index.html",
  "src/favicon.svg": "favicon.svg",
  "node_modules/@zazuko/yasgui/build/yasgui.min.css": "yasgui.css",
  "node_modules/swagger-ui-dist/swagger-ui-bundle.js": "swagger-ui-bundle.js",
  "node_modules/swagger-ui-dist/swagger-ui.css": "swagger-ui.css",
  "node_modules/redoc/bundles/redoc.standalone.js": "redoc.standalone.js",
};
for (const [from, to] of Object.entries(copies)) {
  copyFileSync(join(here, from), join(out, to));
}

// ReDoc's sidebar credit shows a logo from Redocly's CDN (no option turns it off): point it
// at an empty image, which ReDoc drops (its onError), so ReDoc loads nothing from elsewhere.
const redoc = join(out, "redoc.standalone.js");
const logo = "https://cdn.redoc.ly/redoc/logo-mini.svg";
const text = readFileSync(redoc, "utf8");
if (!text.includes(logo)) throw new Error(`${redoc}: the CDN logo to drop is gone; check the build`);
writeFileSync(redoc, text.replaceAll(logo, "data:,"));
