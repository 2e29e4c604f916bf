// Drives the sandbox web chat in Debian's headless Chromium (playwright-core,
// never a downloaded browser): sends a citizen message, waits for the bot's
// reply and its quick replies, picks one, and keeps screenshots as artefacts.
//
//   node web_chat.mjs BASE_URL ARTIFACT_DIR
//
// Exits non-zero with a message on any failure. Started by
// tests/integration/test_web_chat.py, which runs the real server.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [base, artifacts] = process.argv.slice(2);
if (!base || !artifacts) {
  console.error("usage: node web_chat.mjs BASE_URL ARTIFACT_DIR");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 390, height: 800 } }); // a phone screen
  page.on("pageerror", e => { console.error("page error:", e.message); failed = true; });
  await page.goto(base + "/sandbox");
  const chat = page.locator("section.chat").first();
  await chat.waitFor();

  // A greeting, and the bot's answer.
  await chat.locator("form.say input").fill("Hej");
  await chat.locator("form.say button").click();
  await chat.locator(".msg.bot").first().waitFor({ timeout: 15000 });

  // A street-light report without a street (with hostile markup in it, which
  // must show as text, never run): the bot asks where, with a quick reply.
  const report = "Der er ingen lys i lygterne <img src=x onerror=window.pwned=1>";
  await chat.locator("form.say input").fill(report);
  await chat.locator("form.say button").click();
  await chat.locator(".msg.me", { hasText: "<img src=x" }).waitFor();
  const quick = chat.locator(".quick button").first();
  await quick.waitFor({ timeout: 15000 });
  if (await page.locator("img").count() > 0) throw new Error("citizen text was rendered as HTML");
  await page.screenshot({ path: join(artifacts, "web-chat-quick-replies.png"), fullPage: true });
  const title = await quick.textContent();
  const before = await chat.locator(".msg.bot").count();
  await quick.click();
  await chat.locator(".msg.me", { hasText: title }).waitFor();
  // (polled from here: the page's CSP forbids the eval that waitForFunction needs)
  const deadline = Date.now() + 15000;
  while ((await chat.locator(".msg.bot").count()) <= before) {
    if (Date.now() > deadline) throw new Error("no answer to the quick reply");
    await page.waitForTimeout(100);
  }

  // A second citizen side by side.
  await page.fill("#name", "Ole");
  await page.click("#add button");
  await page.locator("section.chat").nth(1).waitFor();
  await page.screenshot({ path: join(artifacts, "web-chat.png"), fullPage: true });
  const bubbles = await chat.locator(".msg.bot").allTextContents();
  console.log(JSON.stringify({ ok: true, quick_reply: title, bot_messages: bubbles }));
} catch (e) {
  console.error("web chat test failed:", e.message);
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
