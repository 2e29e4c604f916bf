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
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const [mode, url, artifacts] = process.argv.slice(2);
if (!["form", "results"].includes(mode) || !url || !artifacts) {
  console.error("usage: node panel.mjs form|results URL ARTIFACT_DIR");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

// axe runs in its own context that may inject a script (bypassCSP); the
// real one keeps the page's CSP.
async function axeCheck(target, name) {
  const axeContext = await browser.newContext({ bypassCSP: true });
  const page = await axeContext.newPage();
  await page.goto(target);
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () =>
    await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] }));
  await axeContext.close();
  const bad = result.violations.filter(v => v.impact === "serious" || v.impact === "critical");
  for (const v of result.violations)
    console.log(`axe ${name}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.length})`);
  if (bad.length) throw new Error(`axe: ${bad.length} serious/critical violations on ${name}`);
}

let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  page.on("pageerror", e => { console.error("page error:", e.message); failed = true; });
  page.on("console", m => {
    if (/Content Security Policy|Refused to/i.test(m.text())) {
      console.error("CSP violation:", m.text());
      failed = true;
    }
  });
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
