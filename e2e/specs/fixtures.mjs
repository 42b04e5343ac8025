// A demo server per spec file, on a free port.
import { test as base } from "@playwright/test";
import { DemoServer } from "../support/server.mjs";

export const test = base.extend({
  server: [
    async ({}, use) => {
      const server = await DemoServer.start();
      await use(server);
      await server.stop();
    },
    { scope: "worker" },
  ],
  baseURL: async ({ server }, use) => {
    await use(`http://127.0.0.1:${server.port}`);
  },
});

export { expect } from "@playwright/test";
