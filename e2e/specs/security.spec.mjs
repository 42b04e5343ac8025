// The demo's pages under the strict Content-Security-Policy that
// `put_secure_browser_headers` sends: each page does its work (scripts from
// files, sockets to the same host, wasm) and the browser reports no
// violation (the fixture fails the test on any).
import { expect, test } from "./fixtures.mjs";

test("every page sends the strict policy and works under it", async ({ page }) => {
  const response = await page.goto("/");
  const policy = response.headers()["content-security-policy"];
  expect(policy).toContain("default-src 'self'");
  expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(policy).not.toContain("unsafe-inline");
  for (const path of ["/pages/about", "/users", "/users/new", "/session"]) {
    const visit = await page.goto(path);
    expect(visit.status(), path).toBe(200);
  }
  await page.goto("/modern-api");
  await expect(page.locator("#log")).toContainText("joined room:lobby");
  await page.goto("/seed-api");
  await expect(page.locator("#log")).toContainText("joined room:lobby");
  await page.goto("/chat");
  await expect(page.locator("#state")).toHaveAttribute("data-state", "open");
});

test("an inline script is refused, and the fixture sees it", async ({ page, cspViolations }) => {
  await page.goto("/pages/about");
  const ran = await page.evaluate(() => {
    window.__inline = false;
    const script = document.createElement("script");
    script.textContent = "window.__inline = true";
    document.body.appendChild(script);
    return window.__inline;
  });
  expect(ran).toBe(false);
  await expect.poll(() => cspViolations.join("\n")).toContain("script-src");
  // This test meant to cause it: clear it for the fixture.
  cspViolations.length = 0;
});
