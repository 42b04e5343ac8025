// The demo in English, French and German: the layout's language switcher,
// the session remembering the choice, and the chat's interface strings.
import { expect, test } from "./fixtures.mjs";

test("switch to French, stay French while navigating, then switch to German", async ({ page }) => {
  await page.goto("/");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByRole("heading", { name: "Welcome to Phoenix!" })).toBeVisible();

  const languages = page.getByRole("navigation", { name: "Language" });
  await expect(languages.getByRole("link", { name: "English" })).toHaveAttribute("aria-current", "true");
  await languages.getByRole("link", { name: "Français" }).click();

  await expect(page.locator("html")).toHaveAttribute("lang", "fr");
  await expect(page.getByRole("heading", { name: "Bienvenue dans Phoenix !" })).toBeVisible();
  const langues = page.getByRole("navigation", { name: "Langue" });
  await expect(langues.getByRole("link", { name: "Français" })).toHaveAttribute("aria-current", "true");
  await expect(langues.getByRole("link", { name: "Français" })).toHaveAttribute("hreflang", "fr");

  // Plain links, no `?locale=`: the session remembers French.
  await page.getByRole("link", { name: "Utilisateurs", exact: true }).first().click();
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.locator("html")).toHaveAttribute("lang", "fr");
  await expect(page.getByRole("heading", { name: "Bonjour, utilisateurs" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Nouvel utilisateur" })).toBeVisible();
  await expect(page.getByText(/^\d+ utilisateurs? au \d+ \p{L}+ \d{4}$/u)).toBeVisible();

  await page.getByRole("link", { name: "Nouvel utilisateur" }).click();
  await page.getByRole("button", { name: "Créer l’utilisateur" }).click();
  await expect(page.getByRole("alert")).toHaveText("Le nom ne peut pas être vide");
  await page.getByLabel("Nom").fill("Zoé");
  await page.getByRole("button", { name: "Créer l’utilisateur" }).click();
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByRole("alert")).toHaveText("Créé avec succès");

  await page.getByRole("navigation", { name: "Langue" }).getByRole("link", { name: "Deutsch" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await expect(page.getByRole("heading", { name: "Hallo, Benutzer" })).toBeVisible();
  await page.getByRole("link", { name: "Start", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Willkommen bei Phoenix!" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Sprache" }).getByRole("link", { name: "Deutsch" }))
    .toHaveAttribute("aria-current", "true");
});

test("the chat's interface in French", async ({ page }) => {
  await page.goto("/?locale=fr");
  await page.getByRole("link", { name: "Discussion", exact: true }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "fr");
  await expect(page.getByRole("heading", { name: "Salon lobby" })).toBeVisible();
  await expect(page.locator("#state")).toHaveText(/^connecté en tant que /);
  await expect(page.locator("#presence li")).toHaveText([/ \(vous\)$/]);
  await page.getByLabel("Message").fill("Bonjour à tous");
  await page.getByRole("button", { name: "Envoyer" }).click();
  // The messages themselves are not translated.
  await expect(page.locator("#messages li.mine")).toContainText(["Bonjour à tous"]);
});

test("a French 404 page", async ({ page }) => {
  await page.goto("/?locale=fr");
  const missing = await page.goto("/users/999999");
  expect(missing.status()).toBe(404);
  await expect(page.locator("html")).toHaveAttribute("lang", "fr");
  await expect(page.getByRole("heading", { name: "Page introuvable" })).toBeVisible();
});

test("the wasm chat's interface in German", async ({ page }) => {
  await page.goto("/wasm?locale=de&user=krabbe");
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await expect(page.locator("#state")).toHaveText("verbunden als krabbe (Rust)", { timeout: 15_000 });
  await expect(page.locator("#presence li")).toHaveText(["krabbe (du)"]);
});

test("a page no route matches follows the session's language", async ({ page }) => {
  await page.goto("/?locale=de");
  const missing = await page.goto("/no/such/page");
  expect(missing.status()).toBe(404);
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await expect(page.getByRole("heading", { name: "Seite nicht gefunden" })).toBeVisible();
});
