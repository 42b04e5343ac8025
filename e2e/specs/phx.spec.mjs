// A new user's first hour: `phx new blog`, `phx server`, the page and its
// channel, a generated resource used through its forms, and live reload
// (a template edit, a compile error shown on the page while the last good
// build keeps serving, and a stylesheet swapped without a reload).
import { expect, test } from "@playwright/test";
import { GeneratedApp, phx } from "../support/phx.mjs";

test.describe.configure({ mode: "serial" });

// Rebuilds of the app take seconds to a minute on this machine.
const REBUILD = 240_000;

let app;

test.beforeAll(async () => {
  test.setTimeout(1_200_000);
  app = GeneratedApp.create("blog", [
    "gen.html",
    "Blog",
    "Post",
    "posts",
    "title:string",
    "body:text",
    "views:integer",
    "published:boolean",
  ]);
  // The route line `phx gen.html` asks for.
  app.replace(
    "src/router.rs",
    'get "/", PageController, index;\n',
    'get "/", PageController, index;\n        resources "/posts", PostController;\n',
  );
  // The migration `phx gen.html` wrote (in dev the app would also run it at startup).
  expect(phx(app.dir, ["db.migrate"])).toContain("1 migration(s) applied");
  await app.serve();
});

test.afterAll(async () => {
  await app?.stop();
});

test("the generated home page joins its channel and shouts to every visitor", async ({ browser }) => {
  const alice = await browser.newPage();
  const bob = await browser.newPage();
  for (const page of [alice, bob]) {
    await page.goto(app.url + "/");
    await expect(page.getByRole("heading", { name: "Welcome to Blog!" })).toBeVisible();
    await expect(page.locator("#room-state")).toHaveAttribute("data-state", "joined");
  }
  await alice.getByLabel("Message").fill("hello from alice");
  await alice.getByRole("button", { name: "Shout" }).click();
  await expect(bob.locator("#messages li")).toHaveText(["visitor: hello from alice"]);
  await expect(alice.locator("#messages li")).toHaveText(["visitor: hello from alice"]);
  await alice.screenshot({ path: "test-results/phx-new-home.png" });
  // The stylesheet and the channels client are served.
  const css = await alice.request.get(app.url + "/css/app.css");
  expect(css.ok()).toBeTruthy();
  await alice.close();
  await bob.close();
});

test("create, edit and delete a post through the generated forms", async ({ page }) => {
  await page.goto(app.url + "/posts");
  await expect(page.getByRole("heading", { name: "Listing Posts" })).toBeVisible();
  await page.getByRole("link", { name: "New Post" }).click();

  // Blank fields: the form comes back with the errors.
  await page.getByRole("button", { name: "Save Post" }).click();
  await expect(page.getByText("Oops, something went wrong!")).toBeVisible();
  await expect(page.getByText("can't be blank").first()).toBeVisible();

  await page.getByLabel("Title").fill("First post");
  await page.getByLabel("Body").fill("Written by Playwright");
  await page.getByLabel("Views").fill("12");
  await page.getByLabel("Published").check();
  await page.getByRole("button", { name: "Save Post" }).click();
  await expect(page.getByText("Post created successfully.")).toBeVisible();
  await expect(page.getByText("Written by Playwright")).toBeVisible();

  await page.getByRole("link", { name: "Edit post" }).click();
  await expect(page.getByLabel("Title")).toHaveValue("First post");
  await expect(page.getByLabel("Published")).toBeChecked();
  await page.getByLabel("Title").fill("");
  await page.getByRole("button", { name: "Save Post" }).click();
  await expect(page.getByText("can't be blank")).toBeVisible();
  await expect(page.getByLabel("Body")).toHaveValue("Written by Playwright");
  await page.getByLabel("Title").fill("First post, edited");
  await page.getByLabel("Views").fill("13");
  await page.getByRole("button", { name: "Save Post" }).click();
  await expect(page.getByText("Post updated successfully.")).toBeVisible();
  await expect(page.getByText("First post, edited")).toBeVisible();
  await page.screenshot({ path: "test-results/phx-gen-html-show.png" });

  await page.getByRole("link", { name: "Back to posts" }).click();
  const row = page.getByRole("row", { name: /First post, edited/ });
  await expect(row).toHaveCount(1);
  await row.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByText("Post deleted successfully.")).toBeVisible();
  await expect(page.getByRole("row", { name: /First post, edited/ })).toHaveCount(0);
});

test("live reload: template edits, a compile error overlay, and a CSS swap", async ({ page }) => {
  test.setTimeout(4 * REBUILD);
  await page.goto(app.url + "/");
  const heading = page.getByRole("heading", { level: 1 });
  await expect(heading).toHaveText("Welcome to Blog!");

  // A template edit: phx rebuilds and restarts the app, the page reloads itself.
  app.replace("src/views/page.rs", 'h1 { (t(conn, "welcome")) }', 'h1 { "Welcome to the new Blog!" }');
  await expect(heading).toHaveText("Welcome to the new Blog!", { timeout: REBUILD });

  // Broken code: the page shows the compiler's error, the last good build
  // still answers.
  app.replace("src/views/page.rs", '"Welcome to the new Blog!"', '"Welcome to the broken Blog!" + 1');
  const overlay = page.locator("#phx-live-reload-error");
  await expect(overlay).toBeVisible({ timeout: REBUILD });
  await expect(overlay).toContainText("error");
  await expect(overlay).toContainText("src/views/page.rs");
  await page.screenshot({ path: "test-results/phx-compile-error-overlay.png" });
  const stillServing = await page.request.get(app.url + "/");
  expect(stillServing.ok()).toBeTruthy();
  expect(await stillServing.text()).toContain("Welcome to the new Blog!");

  // Fixed: the overlay goes and the page shows the new text.
  app.replace("src/views/page.rs", '"Welcome to the broken Blog!" + 1', '"Welcome to the fixed Blog!"');
  await expect(heading).toHaveText("Welcome to the fixed Blog!", { timeout: REBUILD });
  await expect(overlay).toHaveCount(0);

  // A message edit: the translations reload and so does the page.
  app.replace("priv/locales/en/main.ftl", "next-steps = Next steps", "next-steps = What now?");
  await expect(page.getByRole("heading", { name: "What now?" })).toBeVisible({ timeout: 30_000 });

  // A stylesheet edit restyles the open page without reloading it.
  await page.evaluate(() => {
    window.__notReloaded = true;
  });
  const css = app.read("priv/static/css/app.css");
  app.write("priv/static/css/app.css", css + "\n.hero h1 { color: rgb(1, 2, 3); }\n");
  await expect(heading).toHaveCSS("color", "rgb(1, 2, 3)", { timeout: 30_000 });
  expect(await page.evaluate(() => window.__notReloaded)).toBe(true);
});
