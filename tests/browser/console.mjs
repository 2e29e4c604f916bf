// Drives the staff console in Debian's headless Chromium (playwright-core,
// never a downloaded browser) over HTTPS: a wrong password is refused, the
// right one opens the shell with the user's name and the inbox (a citizen's
// markup shows as text), keyboard focus is visible, logging out ends the
// session. axe-core checks the login page and the shell (zero serious or
// critical violations); the page's CSP must never report a violation.
// Screenshots go to ARTIFACT_DIR.
//
//   node console.mjs BASE_URL USERNAME PASSWORD ARTIFACT_DIR
//
// Exits non-zero with a message on any failure. Started by
// tests/integration/test_console_browser.py, which runs the real server.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { axeCheck as axe, launchChromium, watchPage } from "./lib.mjs";

const [base, username, password, artifacts] = process.argv.slice(2);
if (!base || !username || !password || !artifacts) {
  console.error("usage: node console.mjs BASE_URL USERNAME PASSWORD ARTIFACT_DIR");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

const browser = await launchChromium();


let failed = false;
const axeCheck = (context, url, name) => axe(browser, { context, url, name });
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  watchPage(page, msg => { console.error(msg); failed = true; });

  // The login page, in Danish, with labels.
  await page.goto(base + "/console");
  if ((await page.getAttribute("html", "lang")) !== "da") throw new Error("login page is not lang=da");
  await page.getByLabel("Brugernavn").waitFor();
  await page.screenshot({ path: join(artifacts, "console-login.png"), fullPage: true });
  await axeCheck(context, base + "/console", "login page");

  // A wrong password: a clear Danish error, announced (role=alert).
  await page.getByLabel("Brugernavn").fill(username);
  await page.getByLabel("Adgangskode").fill(password + "x");
  await page.getByRole("button", { name: "Log ind" }).click();
  await page.getByRole("alert").filter({ hasText: "forkert" }).waitFor();
  await page.screenshot({ path: join(artifacts, "console-login-wrong.png"), fullPage: true });

  // Log in with the keyboard only: Enter in the password field submits.
  await page.getByLabel("Adgangskode").fill(password);
  await page.getByLabel("Adgangskode").press("Enter");
  await page.getByRole("button", { name: "Log ud" }).waitFor();
  await page.getByRole("heading", { name: "Indbakke" }).waitFor();
  const who = await page.locator("#who-name").textContent();
  if (!who || !who.includes("Mette")) throw new Error("the shell does not name the user: " + who);

  // The inbox: the list (with the citizen's markup as text) or its empty state.
  await page.locator('#inbox[aria-busy="false"]').waitFor({ timeout: 15000 });
  const state = await page.locator("#inbox-status").getAttribute("data-state");
  if (!["list", "empty", "unavailable"].includes(state)) throw new Error("inbox state: " + state);
  if (process.env.EXPECT_MARKUP) {
    if (state !== "list") throw new Error("expected a waiting conversation, inbox is " + state);
    await page.locator("#inbox-list li", { hasText: "<img src=x" }).waitFor();
    if ((await page.locator("#inbox-list img").count()) > 0) throw new Error("citizen text was rendered as HTML");
    if (await page.evaluate(() => window.pwned === 1)) throw new Error("citizen markup ran");
  }
  await page.screenshot({ path: join(artifacts, "console-shell-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: join(artifacts, "console-shell.png"), fullPage: true });
  await axeCheck(context, base + "/console", "shell");

  // The keyboard: Tab reaches the skip link first, and focus is visible.
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => {
    const e = document.activeElement;
    const s = getComputedStyle(e);
    return { cls: e.className, outline: s.outlineStyle, width: s.outlineWidth };
  });
  if (focused.cls !== "skip" || focused.outline === "none") throw new Error("focus: " + JSON.stringify(focused));

  // Log out: back to the login page, and the session is gone.
  await page.getByRole("button", { name: "Log ud" }).click();
  await page.getByRole("button", { name: "Log ind" }).waitFor();
  const me = await page.evaluate(async () => (await fetch("/api/me")).status);
  if (me !== 401) throw new Error("after logout /api/me says " + me);
  await page.screenshot({ path: join(artifacts, "console-logged-out.png"), fullPage: true });
} catch (e) {
  console.error(e.stack || String(e));
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
