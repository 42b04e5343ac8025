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

test("with WebSocket refused the wasm page falls back to long polling, and stays on it in the tab", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  let attempts = 0;
  await page.routeWebSocket(/\/socket\/websocket/, (ws) => {
    attempts += 1;
    ws.close();
  });
  const rust = { context, page };
  await page.goto("/wasm?user=lp-ferris");
  await expect(page.locator("#state")).toHaveText("connected as lp-ferris (Rust, long polling)", { timeout: 15_000 });
  expect(attempts).toBe(1);
  expect(await page.evaluate(() => sessionStorage.getItem("phx:fallback:LongPoll"))).toBe("true");
  const js = await open(browser, baseURL, "/chat", "lp-jules");
  await expect(rust.page.locator("#presence li")).toHaveText(["lp-ferris (you)", "lp-jules"]);
  await say(rust.page, "wasm over long polling");
  await expect(js.page.locator("#messages li")).toContainText([/lp-ferris.*wasm over long polling/]);
  await say(js.page, "back to the poller");
  await expect(rust.page.locator("#messages li")).toContainText([/lp-jules.*back to the poller/]);
  // The flag in sessionStorage makes the next load skip the WebSocket.
  await page.reload();
  await expect(page.locator("#state")).toHaveText("connected as lp-ferris (Rust, long polling)", { timeout: 15_000 });
  expect(attempts).toBe(1);
  await js.context.close();
  await context.close();
});

test("a WebSocket that opens but carries nothing is abandoned for long polling", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  // Playwright answers the handshake itself and never replies: the health
  // ping goes unanswered, so the 2.5 s fallback timer fires.
  await page.routeWebSocket(/\/socket\/websocket/, () => {});
  await page.goto("/wasm?user=mute");
  await expect(page.locator("#state")).toHaveText("connected as mute (Rust, long polling)", { timeout: 15_000 });
  await expect(page.locator("#presence li")).toHaveText(["mute (you)"]);
  await context.close();
});

test("a LongPoll session the server no longer knows (410 with a token held) is replaced, and the channel rejoined", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL });
  await context.addInitScript(() => sessionStorage.setItem("phx:fallback:LongPoll", "true"));
  const page = await context.newPage();
  let sessions = 0;
  let injected = false;
  await page.routeWebSocket(/\/socket\/websocket/, () => {
    throw new Error("the sessionStorage flag should skip the WebSocket");
  });
  await page.route(/\/socket\/longpoll/, async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    if (request.method() === "GET" && !url.searchParams.has("token")) sessions += 1;
    // Once joined, answer one poll as if the session had died on the server.
    if (request.method() === "GET" && url.searchParams.has("token") && sessions === 1 && !injected) {
      const joined = await page.locator("#presence li").count();
      if (joined > 0) {
        injected = true;
        return route.fulfill({ contentType: "application/json", body: JSON.stringify({ status: 410, token: "gone", messages: [] }) });
      }
    }
    return route.continue();
  });
  await page.goto("/wasm?user=phoenixbird");
  await expect(page.locator("#state")).toHaveText("connected as phoenixbird (Rust, long polling)", { timeout: 15_000 });
  await expect.poll(() => sessions, { timeout: 15_000 }).toBe(2);
  await expect(page.locator("#state")).toHaveText("connected as phoenixbird (Rust, long polling)", { timeout: 15_000 });
  const js = await open(browser, baseURL, "/chat", "after-410");
  await say(js.page, "still here?");
  await expect(page.locator("#messages li")).toContainText([/after-410.*still here\?/]);
  await js.context.close();
  await context.close();
});

test("pagehide disconnects the wasm page and pageshow brings it back with its channel (back/forward cache)", async ({ browser, baseURL }) => {
  const rust = await open(browser, baseURL, "/wasm", "sleeper", " (Rust)");
  const js = await open(browser, baseURL, "/chat", "watcher");
  await expect(js.page.locator("#presence li")).toHaveCount(2);
  await rust.page.evaluate(() => window.dispatchEvent(new PageTransitionEvent("pagehide", { persisted: true })));
  await expect(rust.page.locator("#state")).toHaveText("reconnecting…");
  await expect(js.page.locator("#presence li")).toHaveText(["watcher (you)"]);
  await rust.page.evaluate(() => window.dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true })));
  await expect(rust.page.locator("#state")).toHaveText("connected as sleeper (Rust)");
  await expect(js.page.locator("#presence li")).toHaveCount(2);
  await say(js.page, "welcome back");
  await expect(rust.page.locator("#messages li")).toContainText([/watcher.*welcome back/]);
  await rust.context.close();
  await js.context.close();
});
