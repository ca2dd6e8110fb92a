// Talking to the service: every read goes to the JSON routes of the same origin, with the
// token the person entered (kept in sessionStorage for this tab only) as a bearer header.
const KEY = "triskel.token";

export class NeedsToken extends Error {
  constructor(message, forbidden) {
    super(message);
    this.forbidden = forbidden;
  }
}

export function token() {
  return sessionStorage.getItem(KEY);
}

export function keepToken(value) {
  sessionStorage.setItem(KEY, value);
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}

// Requests never carry the browser's own credentials: a 401 answer names Basic (for Java
// clients), and a request that could carry credentials would make the browser ask for a
// user name and password instead of letting the page show its token form.
const OMIT = "omit";

export function headers(extra = {}) {
  const found = token();
  return found ? { ...extra, Authorization: `Bearer ${found}` } : extra;
}

async function problem(answer) {
  try {
    const body = await answer.json();
    return body.detail || body.title || answer.statusText;
  } catch {
    return answer.statusText;
  }
}

// A JSON answer of the service; 401 and 403 become NeedsToken (the page shows the token
// form), other errors an Error with the problem document's detail.
export async function getJSON(path) {
  const answer = await fetch(path, {
    credentials: OMIT,
    headers: headers({ Accept: "application/json" }),
  });
  if (answer.status === 401 || answer.status === 403) {
    throw new NeedsToken(await problem(answer), answer.status === 403);
  }
  if (!answer.ok) throw new Error(`${path}: ${await problem(answer)}`);
  return { body: await answer.json(), headers: answer.headers };
}

// A SPARQL SELECT through the protocol endpoint, as its JSON results' bindings.
export async function select(query) {
  const answer = await fetch("/sparql", {
    method: "POST",
    credentials: OMIT,
    headers: headers({
      Accept: "application/sparql-results+json",
      "Content-Type": "application/x-www-form-urlencoded",
    }),
    body: new URLSearchParams({ query }),
  });
  if (answer.status === 401 || answer.status === 403) {
    throw new NeedsToken(await problem(answer), answer.status === 403);
  }
  if (!answer.ok) throw new Error(`SPARQL: ${await problem(answer)}`);
  return (await answer.json()).results.bindings;
}

// A body posted (a FormData as multipart/form-data, or text of `contentType`); the answer's
// status and JSON body (the problem document's detail on an error), so the page can say why
// it was refused and keep its form.
export async function post(path, body, contentType) {
  const answer = await fetch(path, {
    method: "POST",
    credentials: OMIT,
    headers: headers(
      contentType ? { Accept: "application/json", "Content-Type": contentType } : { Accept: "application/json" },
    ),
    body,
  });
  if (answer.ok) return { status: answer.status, body: await answer.json() };
  return { status: answer.status, detail: await problem(answer) };
}
