// lib.mjs - what every browser test here shares: Debian's Chromium started
// through playwright-core (never a downloaded browser), axe-core run in a
// context of its own, and a watch on each page for script errors and CSP
// reports. One copy, so a new page's test checks accessibility and the CSP
// the same way as the others.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

// Debian's /usr/bin/chromium (or $CHROMIUM), headless, no network chatter.
export async function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           ...extraArgs],
  });
}

// Runs axe-core on url in a context of its own that may inject a script
// (bypassCSP), with context's cookies when given (a logged-in session); the
// real context keeps the page's CSP. Waits for the selector ready first when
// given. Throws on any serious or critical WCAG 2.1 A/AA violation and
// prints every violation found.
export async function axeCheck(browser, { context = null, url, ready = null, name }) {
  const axeContext = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP: true });
  if (context) await axeContext.addCookies(await context.cookies());
  const page = await axeContext.newPage();
  await page.goto(url);
  if (ready) await page.locator(ready).first().waitFor({ timeout: 15000 });
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () =>
    await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] }));
  await axeContext.close();
  for (const v of result.violations)
    console.log(`axe ${name}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.length})`);
  const bad = result.violations.filter(v => v.impact === "serious" || v.impact === "critical");
  if (bad.length) throw new Error(`axe: ${bad.length} serious/critical violations on ${name}`);
}

// Calls fail(message) for every script error and every CSP report on page.
export function watchPage(page, fail, who = "") {
  const tag = who ? who + " " : "";
  page.on("pageerror", e => fail(`${tag}page error: ${e.message}`));
  page.on("console", m => {
    if (/Content Security Policy|Refused to/i.test(m.text())) fail(`${tag}CSP violation: ${m.text()}`);
  });
}
