// The console's overview page ("Overblik", issue 13) in Debian's headless
// Chromium (playwright-core): log in, open #/overblik, the figures come from
// /api/report and the three SVG plots load as images; the misunderstood
// queue shows the citizen's markup as text; labelling one with the right
// topic and a reviewed example removes it from the queue. axe-core finds no
// serious or critical violation; no CSP violation; screenshots (phone and
// desktop) go to ARTIFACT_DIR.
//
//   node insight.mjs BASE_URL USERNAME PASSWORD ARTIFACT_DIR
//
// Started by tests/integration/test_report.py (InsightBrowserTest).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { axeCheck as axe, launchChromium, watchPage } from "./lib.mjs";

const [base, username, password, artifacts] = process.argv.slice(2);
if (!base || !username || !password || !artifacts) {
  console.error("usage: node insight.mjs BASE_URL USERNAME PASSWORD ARTIFACT_DIR");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });
const browser = await launchChromium();


let failed = false;
const axeCheck = (context, url, ready, name) => axe(browser, { context, url, ready, name });
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  watchPage(page, msg => { console.error(msg); failed = true; });
  await page.goto(base + "/console");
  await page.getByLabel("Brugernavn").fill(username);
  await page.getByLabel("Adgangskode").fill(password);
  await page.getByRole("button", { name: "Log ind" }).click();
  await page.getByRole("button", { name: "Log ud" }).waitFor();

  await page.getByRole("link", { name: "Overblik" }).click();
  await page.getByRole("heading", { name: "Overblik", level: 1 }).waitFor();
  await page.locator("#report-figures table.figures").first().waitFor();
  const messages = await page.locator("#report-figures tr", { hasText: "Beskeder fra borgere" }).locator("td").first().textContent();
  if (messages.trim() !== "3") throw new Error("overview says " + messages + " messages, the script sent 3");
  // the plots are images from the server, all loaded
  // (polled with evaluate: waitForFunction needs eval, which the CSP refuses)
  for (let i = 0; ; i++) {
    const loaded = await page.evaluate(() => {
      const imgs = [...document.querySelectorAll("img.plot")];
      return imgs.length === 3 && imgs.every(i => i.complete && i.naturalWidth > 0);
    });
    if (loaded) break;
    if (i > 150) throw new Error("the three plots did not load: " + JSON.stringify(await page.evaluate(() => [...document.querySelectorAll("img.plot")].map(i => [i.src, i.complete, i.naturalWidth]))));
    await page.waitForTimeout(100);
  }

  // the misunderstood queue: the citizen's markup is text
  const item = page.locator("#misunderstood-list li", { hasText: "<b>blørk</b>" });
  await item.waitFor();
  if ((await page.locator("#misunderstood-list b").count()) > 0) throw new Error("citizen text was rendered as HTML");
  await page.screenshot({ path: join(artifacts, "console-overview-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: join(artifacts, "console-overview.png"), fullPage: true });
  await axeCheck(context, base + "/console#/overblik", "#misunderstood-list li", "overview");

  // label it: pick the topic, keep the anonymised example, save
  await item.getByLabel("Emne").selectOption("road_damage");
  const example = await item.getByLabel(/Eksempel/).inputValue();
  if (!example.includes("[telefon]")) throw new Error("the example is not anonymised: " + example);
  await item.getByRole("button", { name: "Gem emne" }).click();
  await page.getByRole("status").filter({ hasText: "Gemt som “Hul eller skade på vej, fortov eller sti”" }).waitFor();
  await page.locator("#misunderstood-list li", { hasText: "blørk" }).waitFor({ state: "detached" });

  // the citizen panel's page: the consultation with its response rate and
  // the members' free text as text
  await page.getByRole("link", { name: "Borgerpanel" }).click();
  await page.getByRole("link", { name: "Hvad skal vi salte først, når det er glat?" }).click();
  await page.locator("#panel-rate", { hasText: "1 af 1 medlemmer" }).waitFor();
  await page.locator(".panel-question li", { hasText: "<b>mere salt</b>" }).waitFor();
  if ((await page.locator(".panel-question b").count()) > 0) throw new Error("a member's text was rendered as HTML");
  await page.screenshot({ path: join(artifacts, "console-panel.png"), fullPage: true });
  await axeCheck(context, base + "/console#/borgerpanel/vintersaltning", ".panel-question", "panel consultation");
} catch (e) {
  console.error(e.stack || String(e));
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
