// The server serves the client from priv/static/js: those copies must be the
// files in client-js/, byte for byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const here = new URL("..", import.meta.url);
const served = new URL("../priv/static/js/", here);

for (const name of ["phoenix.js", "phoenix.mjs", "phoenix.d.ts"]) {
  test(`priv/static/js/${name} is client-js/${name}`, () => {
    const source = readFileSync(new URL(name, here));
    const copy = readFileSync(new URL(name, served));
    assert.ok(source.equals(copy), `run: cp client-js/${name} priv/static/js/${name}`);
  });
}
