// A demo server per test, on a free port: tests do not see each other's
// users, presence or LongPoll sessions (which outlive a closed page by 15 s).
import { test as base } from "@playwright/test";
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
});

export { expect } from "@playwright/test";
