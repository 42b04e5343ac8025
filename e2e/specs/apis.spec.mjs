// Both JavaScript APIs in pages, and Phoenix's own client in a page.
import { fileURLToPath } from "node:url";
import { expect, test } from "./fixtures.mjs";

// The classic-script build of the official client, from node_modules.
const officialClient = fileURLToPath(new URL("../../node_modules/phoenix/priv/static/phoenix.js", import.meta.url));

test("the seed API page", async ({ page }) => {
  await page.goto("/seed-api");
  await expect(page.locator("#log li")).toHaveText([
    "joined room:lobby",
    "local trigger: hello",
    "seed: sent with channel.send",
  ]);
});

test("the modern API page", async ({ page }) => {
  await page.goto("/modern-api");
  await expect(page.locator("#log li").first()).toHaveText("joined room:lobby");
  await expect(page.locator("#log li")).toContainText(['ping replied {"n":1}', "modern: sent with channel.push"]);
});

test("Phoenix's own client, loaded in a page, works against our server", async ({ page }) => {
  // Served as a file of the page's own origin: the page's CSP allows no
  // inline script, which `addScriptTag({ path })` would add.
  await page.route("**/official/phoenix.js", (route) =>
    route.fulfill({ path: officialClient, contentType: "text/javascript" }),
  );
  await page.goto("/pages/official-client");
  await page.addScriptTag({ url: "/official/phoenix.js" });
  const result = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const socket = new window.Phoenix.Socket("/socket", { params: { user: "official" } });
        socket.connect();
        const channel = socket.channel("room:lobby", {});
        channel
          .join()
          .receive("ok", () => {
            channel.push("ping", { from: "official" }).receive("ok", resolve).receive("error", reject);
          })
          .receive("error", reject);
      })
  );
  expect(result).toEqual({ from: "official" });
});
