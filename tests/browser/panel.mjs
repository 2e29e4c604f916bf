// Drives the citizen panel's public pages in Debian's headless Chromium
// (playwright-core): the personal web form on a phone-sized screen (answer
// by label, save, see the answers kept) and the published results page
// (SVG charts readable without JavaScript). axe-core checks both (zero
// serious or critical violations); the pages' CSP must never report a
// violation and no page may run a script. Screenshots go to ARTIFACT_DIR.
//
//   node panel.mjs form FORM_URL ARTIFACT_DIR
//   node panel.mjs results RESULTS_URL ARTIFACT_DIR
//
// Exits non-zero with a message on any failure. Started by
// tests/integration/test_panel_browser.py, which runs the real server.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { axeCheck as axe, launchChromium, watchPage } from "./lib.mjs";

const [mode, url, artifacts] = process.argv.slice(2);
if (!["form", "results"].includes(mode) || !url || !artifacts) {
  console.error("usage: node panel.mjs form|results URL ARTIFACT_DIR");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

const browser = await launchChromium();


let failed = false;
const axeCheck = (url, name) => axe(browser, { url, name });
try {
  const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  watchPage(page, msg => { console.error(msg); failed = true; });
  await page.goto(url);
  if ((await page.getAttribute("html", "lang")) !== "da") throw new Error("page is not lang=da");
  if (await page.locator("script").count()) throw new Error("the page has a script");

  if (mode === "form") {
    await page.screenshot({ path: join(artifacts, "panel-form.png"), fullPage: true });
    await axeCheck(url, "the form");
    // every control is reached by its label, as a screen reader would
    await page.getByLabel("Cykel", { exact: true }).check();
    await page.getByLabel("Skoleveje").check();
    await page.getByLabel("Cykelstier").check();
    await page.getByRole("group", { name: /Hvor tilfreds/ }).getByLabel("4").check();
    await page.getByLabel(/Er der et bestemt sted/).fill("Glat ved <b>skolen</b>");
    // the keyboard reaches the button and Enter saves
    await page.getByRole("button", { name: "Gem mine svar" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "Dine svar er gemt" }).waitFor();
    if (!(await page.getByLabel("Cykel", { exact: true }).isChecked()))
      throw new Error("the saved answer is not shown");
    const text = await page.getByLabel(/Er der et bestemt sted/).inputValue();
    if (text !== "Glat ved <b>skolen</b>") throw new Error("free text came back as " + text);
    await page.screenshot({ path: join(artifacts, "panel-form-saved.png"), fullPage: true });
  } else {
    await page.getByRole("heading", { level: 1, name: /Resultat/ }).waitFor();
    const charts = await page.locator("svg[role=img]").count();
    if (charts < 3) throw new Error(`expected 3 charts, found ${charts}`);
    await page.getByRole("cell", { name: "Cykel", exact: true }).waitFor();
    await page.getByRole("link", { name: /CSV/ }).waitFor();
    await page.screenshot({ path: join(artifacts, "panel-results.png"), fullPage: true });
    await axeCheck(url, "the results page");
  }
} catch (e) {
  console.error(e.message);
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
