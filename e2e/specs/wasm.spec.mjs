// The Rust client (client-wasm, compiled to wasm32) in a page, talking with
// the phoenix.js chat, and coming back after a server restart.
import { expect, test } from "./fixtures.mjs";
import { DemoServer } from "../support/server.mjs";

async function open(browser, baseURL, path, user, suffix = "") {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.goto(`${path}?user=${user}`);
  await expect(page.locator("#state")).toHaveText(`connected as ${user}${suffix}`, { timeout: 15_000 });
  return { context, page };
}

async function say(page, text) {
  await page.getByLabel("Message").fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

test("the wasm page and the phoenix.js page exchange messages both ways", async ({ browser, baseURL }, testInfo) => {
  const rust = await open(browser, baseURL, "/wasm", "ferris", " (Rust)");
  const js = await open(browser, baseURL, "/chat", "jules");
  await expect(rust.page.locator("#presence li")).toHaveText(["ferris (you)", "jules"]);
  await say(rust.page, "hello from wasm");
  await expect(js.page.locator("#messages li")).toContainText([/ferris.*hello from wasm/]);
  await say(js.page, "hello from JavaScript");
  await expect(rust.page.locator("#messages li")).toContainText([/jules.*hello from JavaScript/]);
  await rust.page.screenshot({ path: testInfo.outputPath("wasm-chat.png") });
  await js.context.close();
  await expect(rust.page.locator("#presence li")).toHaveText(["ferris (you)"]);
  await rust.context.close();
});

test("the wasm page reconnects and rejoins after a server restart", async ({ browser }) => {
  const server = await DemoServer.start();
  const baseURL = `http://127.0.0.1:${server.port}`;
  try {
    const rust = await open(browser, baseURL, "/wasm", "crab", " (Rust)");
    await server.restart();
    await expect(rust.page.locator("#presence li")).toHaveText(["crab (you)"], { timeout: 20_000 });
    const js = await open(browser, baseURL, "/chat", "jo");
    await say(js.page, "after the restart");
    await expect(rust.page.locator("#messages li")).toContainText([/jo.*after the restart/]);
    await rust.context.close();
    await js.context.close();
  } finally {
    await server.stop();
  }
});
