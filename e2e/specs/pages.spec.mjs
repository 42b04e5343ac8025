// The seed README's pages, as a person uses them in a browser.
import { expect, test } from "./fixtures.mjs";

test("navigate the seed's routes", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Welcome to Phoenix!" })).toBeVisible();
  await page.getByRole("link", { name: "A page", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Showing page about" })).toBeVisible();
  await page.goto("/pages/admin");
  await expect(page).toHaveURL(/\/pages\/unauthorized$/);
  await page.goto("/files/docs/guide/intro.md");
  await expect(page.getByRole("heading", { name: "File docs/guide/intro.md" })).toBeVisible();
});

test("create a user, see the flash once, delete through the method-override form", async ({ page }) => {
  const name = `Playwright ${Date.now()}`;
  await page.goto("/users/new");
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByRole("alert")).toHaveText("Created successfully");
  await page.reload();
  await expect(page.getByRole("alert")).toHaveCount(0);
  const row = page.getByRole("row", { name: new RegExp(name) });
  await row.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("alert")).toHaveText(`Deleted ${name}`);
  await expect(page.getByRole("row", { name: new RegExp(name) })).toHaveCount(0);
});

test("the session survives navigation", async ({ page }) => {
  await page.goto("/session");
  await expect(page.locator("body")).toHaveText("bar (visit 1)");
  await page.goto("/users");
  await page.goto("/session");
  await expect(page.locator("body")).toHaveText("bar (visit 2)");
});

test("a 404 page and JSON by ?format=json", async ({ page }) => {
  const missing = await page.goto("/no/such/page");
  expect(missing.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  const json = await page.goto("/pages/about?format=json");
  expect(json.headers()["content-type"]).toBe("application/json");
  expect(await json.json()).toMatchObject({ title: "Showing page about" });
});
