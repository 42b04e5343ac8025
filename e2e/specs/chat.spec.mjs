// The chat at /chat: two people, presence, LongPoll fallback, a refused
// join, and a server restart.
import { expect, test } from "./fixtures.mjs";
import { DemoServer } from "../support/server.mjs";

async function openChat(browser, baseURL, user, query = "") {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.goto(`/chat?user=${user}${query}`);
  await expect(page.locator("#state")).toHaveText(new RegExp(`connected as ${user}`));
  return { context, page };
}

async function say(page, text) {
  await page.getByLabel("Message").fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

test("a message typed in one window appears in the other; presence follows", async ({ browser, baseURL }, testInfo) => {
  const alice = await openChat(browser, baseURL, "alice");
  const bob = await openChat(browser, baseURL, "bob");
  await expect(alice.page.locator("#presence li")).toHaveText(["alice (you)", "bob"]);
  await expect(bob.page.locator("#presence li")).toHaveText(["alice", "bob (you)"]);
  await say(alice.page, "Hello Bob!");
  await expect(bob.page.locator("#messages li")).toContainText([/alice.*Hello Bob!/]);
  await expect(alice.page.locator("#messages li.mine")).toContainText(["Hello Bob!"]);
  await alice.page.screenshot({ path: testInfo.outputPath("chat-alice.png") });
  await bob.page.screenshot({ path: testInfo.outputPath("chat-bob.png") });
  await bob.context.close();
  await expect(alice.page.locator("#presence li")).toHaveText(["alice (you)"]);
  await alice.context.close();
});

test("with WebSocket blocked the chat falls back to long polling", async ({ browser, baseURL }, testInfo) => {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.routeWebSocket(/\/socket\/websocket/, (ws) => ws.close());
  await page.goto("/chat?user=carol");
  await expect(page.locator("#state")).toHaveText("connected as carol (long polling)", { timeout: 15_000 });
  const dave = await openChat(browser, baseURL, "dave");
  await say(page, "over long polling");
  await expect(dave.page.locator("#messages li")).toContainText([/carol.*over long polling/]);
  await say(dave.page, "and back");
  await expect(page.locator("#messages li")).toContainText([/dave.*and back/]);
  await page.screenshot({ path: testInfo.outputPath("chat-long-poll.png") });
  await context.close();
  await dave.context.close();
});

test("a refused join tells the user", async ({ page }) => {
  await page.goto("/chat?user=eve&room=secret");
  await expect(page.locator("#state")).toHaveText("could not join: unauthorized");
});

test("after a server restart the page reconnects and rejoins by itself", async ({ browser }) => {
  const server = await DemoServer.start();
  const baseURL = `http://127.0.0.1:${server.port}`;
  try {
    const frank = await openChat(browser, baseURL, "frank");
    await server.restart();
    await expect(frank.page.locator("#presence li")).toHaveText(["frank (you)"], { timeout: 20_000 });
    const grace = await openChat(browser, baseURL, "grace");
    await say(grace.page, "after the restart");
    await expect(frank.page.locator("#messages li")).toContainText([/grace.*after the restart/]);
    await frank.context.close();
    await grace.context.close();
  } finally {
    await server.stop();
  }
});
