// Comunica (@comunica/query-sparql) against triskel serve, as any Comunica user would call it.
//
// Usage: node comunica.js JOB-JSON
// JOB-JSON: {"sparql": URL, "update": URL, "auth": "user:password" or null,
//            "updates": [SPARQL update...], "select": SPARQL, "ask": SPARQL}
// Runs each update with queryVoid (destination: the update endpoint), then the SELECT
// (queryBindings) and the ASK (queryBoolean) over the query endpoint, and prints
// {"select": [{variable: {"termType", "value", ...}}], "ask": true|false} on stdout.
'use strict';

const { QueryEngine } = require('@comunica/query-sparql');

function term(value) {
  const out = { termType: value.termType, value: value.value };
  if (value.termType === 'Literal') {
    out.language = value.language;
    out.datatype = value.datatype.value;
  }
  return out;
}

async function main() {
  const job = JSON.parse(process.argv[2]);
  const engine = new QueryEngine();
  const auth = job.auth ? { httpAuth: job.auth } : {};
  const source = { sources: [{ type: 'sparql', value: job.sparql }], ...auth };
  const destination = { type: 'sparql', value: job.update };
  for (const update of job.updates) {
    await engine.queryVoid(update, { ...source, destination });
  }
  const rows = await (await engine.queryBindings(job.select, source)).toArray();
  const select = rows.map((row) => Object.fromEntries(
    [...row].map(([variable, value]) => [variable.value, term(value)]),
  ));
  const ask = await engine.queryBoolean(job.ask, source);
  process.stdout.write(JSON.stringify({ select, ask }));
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
