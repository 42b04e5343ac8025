// A demo server per test, on a free port: tests do not see each other's
// users, presence or LongPoll sessions (which outlive a closed page by 15 s).
// Every page of every test is also held to the Content-Security-Policy the
// server sends: a violation (an inline script, a style, a connection it
// forbids) fails the test that caused it, by name.
import { test as base, expect } from "@playwright/test";
import { DemoServer } from "../support/server.mjs";

export const test = base.extend({
  server: async ({}, use) => {
    const server = await DemoServer.start();
    await use(server);
    await server.stop();
  },
  baseURL: async ({ server }, use) => {
    await use(`http://127.0.0.1:${server.port}`);
  },
  // What the browser reported; a test that means to cause a violation
  // empties it after checking it.
  cspViolations: async ({}, use) => {
    await use([]);
  },
  page: async ({ page, cspViolations: violations }, use) => {
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (event) => {
        console.error(
          `Content Security Policy violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`,
        );
      });
    });
    await use(page);
    expect(violations, "Content-Security-Policy violations").toEqual([]);
  },
});

export { expect };
