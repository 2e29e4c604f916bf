// A day in the console, in Debian's headless Chromium (playwright-core) over
// HTTPS against the real server and the fake Graph API:
//   an admin adds a canned reply on "Standardsvar";
//   a signed webhook event has created a waiting chat (the driver sent it);
//   Mette logs in on a phone, sees it (the citizen's markup as text), opens
//   it, inserts the canned reply (placeholders filled in the textarea) and
//   sends it, then hands the chat back to Borgerbot; the citizen writes
//   again and the bot answers (seen in the fake Graph);
//   Jens, a colleague in the same department, logged in on a PC, sees each
//   change in his inbox live, without a reload, and a new crisis chat raises
//   the alert banner (role=alert) and the "(1)" title badge;
//   axe-core finds no serious or critical violation on the inbox, the
//   conversation and the canned-replies page; screenshots (phone and
//   desktop) go to ARTIFACT_DIR. No CSP violation may be reported.
//
//   node day.mjs BASE_URL GRAPH_ROOT ARTIFACT_DIR
//   env: DAY_PASSWORD, DAY_SECRET (the app secret), DAY_PAGE, DAY_PSID,
//        DAY_CONVERSATION (the waiting chat's id)
//
// Started by tests/integration/test_console_day.py, which checks the fake
// Graph's records afterwards.
import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { axeCheck as axe, launchChromium, watchPage } from "./lib.mjs";

const [base, graph, artifacts] = process.argv.slice(2);
const env = process.env;
const password = env.DAY_PASSWORD, id = env.DAY_CONVERSATION, psid = env.DAY_PSID;
if (!base || !graph || !artifacts || !password || !id) {
  console.error("usage: node day.mjs BASE_URL GRAPH_ROOT ARTIFACT_DIR (env DAY_*)");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0"; // the test's self-signed certificate

const browser = await launchChromium(["--autoplay-policy=no-user-gesture-required"]);

let failed = false;
const axeCheck = (context, url, name, ready) => axe(browser, { context, url, ready, name });
function watch(page, who) {
  watchPage(page, msg => { console.error(msg); failed = true; }, who);
}


async function login(viewport, username) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport });
  const page = await context.newPage();
  watch(page, username);
  await page.goto(base + "/console");
  await page.getByLabel("Brugernavn").fill(username);
  await page.getByLabel("Adgangskode").fill(password);
  await page.getByLabel("Adgangskode").press("Enter");
  await page.getByRole("button", { name: "Log ud" }).waitFor();
  return { context, page };
}

async function webhook(sender, text) {
  const body = JSON.stringify({ object: "page", entry: [{ id: env.DAY_PAGE, time: Date.now(),
    messaging: [{ sender: { id: sender }, recipient: { id: env.DAY_PAGE }, timestamp: Date.now(),
      message: { mid: "m_day_" + Date.now() + "_" + Math.random(), text } }] }] });
  const sig = "sha256=" + createHmac("sha256", env.DAY_SECRET).update(body).digest("hex");
  const r = await fetch(base + "/webhook", { method: "POST", body,
    headers: { "Content-Type": "application/json", "X-Hub-Signature-256": sig } });
  if (r.status !== 200) throw new Error("webhook: " + r.status);
}

async function graphMessages(who) {
  const r = await fetch(graph + "/_requests?psid=" + encodeURIComponent(who));
  return ((await r.json()).requests || []).filter(x => x.body && x.body.message && x.status === 200);
}

async function until(what, fn, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out: " + what);
    await new Promise(r => setTimeout(r, 200));
  }
}

const phone = { width: 390, height: 844 }, desktop = { width: 1280, height: 900 };
try {
  // 1. The admin adds a canned reply.
  const admin = await login(desktop, "admin");
  await admin.page.goto(base + "/console#/standardsvar");
  await admin.page.getByRole("heading", { name: "Standardsvar", exact: true }).waitFor();
  await admin.page.getByLabel("Titel").fill("Tak for din besked");
  await admin.page.getByLabel("Afdeling").selectOption("Borgerservice");
  await admin.page.getByLabel("Tekst").fill("Hej, det er {navn} fra {afdeling}. Tak for din besked – jeg ser på det nu.");
  await admin.page.getByRole("button", { name: "Tilføj standardsvar" }).click();
  await admin.page.locator("#canned-list li", { hasText: "Tak for din besked" }).waitFor();
  await admin.page.screenshot({ path: join(artifacts, "day-canned-desktop.png"), fullPage: true });
  await axeCheck(admin.context, base + "/console#/standardsvar", "canned replies", "#canned-list");
  await admin.context.close();

  // 2. Jens watches "Alle" on a PC; he never reloads.
  const jens = await login(desktop, "jens");
  await jens.page.locator("#tab-alle").click();
  const jensItem = jens.page.locator(`#inbox-list li[data-id="${id}"]`);
  await jensItem.waitFor();
  await jens.page.evaluate(() => { window.__noReload = 42; });
  await until("Jens' live stream", async () =>
    (await jens.page.getAttribute("body", "data-live")) === "stream");

  // 3. Mette, on a phone, sees the waiting chat; the citizen's markup is text.
  const mette = await login(phone, "mette");
  const item = mette.page.locator(`#inbox-list li[data-id="${id}"]`);
  await item.waitFor();
  if (!(await item.textContent()).includes("<b>hurtigt</b>")) throw new Error("markup not shown as text");
  if (await mette.page.locator("#inbox-list b").count()) throw new Error("citizen markup rendered");
  await mette.page.screenshot({ path: join(artifacts, "day-inbox-phone.png"), fullPage: true });
  await axeCheck(mette.context, base + "/console", "inbox", `#inbox-list li[data-id="${id}"]`);

  // 4. She opens it: the transcript, the window, the reasons.
  await item.getByRole("link").click();
  await mette.page.locator("#transcript li.from-citizen").first().waitFor();
  if (await mette.page.locator("#transcript b").count()) throw new Error("markup rendered in the transcript");
  if ((await mette.page.locator("#window-state").getAttribute("data-state")) !== "open")
    throw new Error("the 24-hour window should be open");
  // what the bot understood, in the intent's Danish title, not its code name
  const understood = await mette.page.locator("dl.facts dt", { hasText: "Borgerbot forstod" })
    .locator("xpath=following-sibling::dd[1]").textContent();
  if (understood !== "Vil tale med en medarbejder") throw new Error("intent shown as " + understood);
  await mette.page.screenshot({ path: join(artifacts, "day-conversation-phone.png"), fullPage: true });
  await axeCheck(mette.context, base + "/console#/samtale/" + id, "conversation", "#transcript li");

  // 5. The canned reply goes into the box with the placeholders filled in.
  await until("canned replies loaded", async () => (await mette.page.locator("#canned-select option").count()) > 1);
  await mette.page.getByLabel("Standardsvar").selectOption({ label: "Tak for din besked (Borgerservice)" });
  await mette.page.getByRole("button", { name: "Indsæt" }).click();
  const text = await mette.page.locator("#reply-text").inputValue();
  if (text !== "Hej, det er Mette Hansen fra Borgerservice. Tak for din besked – jeg ser på det nu.")
    throw new Error("canned reply expanded to: " + text);
  await mette.page.locator("#reply-text").fill(text + " Mvh.");
  const before = (await graphMessages(psid)).length;
  await mette.page.getByRole("button", { name: "Send svar" }).click();
  await mette.page.locator("#shell-status", { hasText: "Svaret er sendt" }).waitFor();
  await until("the reply at the fake Graph", async () => (await graphMessages(psid)).length >= before + 2);

  // 6. Jens sees it taken by Mette, live.
  await jensItem.filter({ hasText: "Hos Mette Hansen" }).waitFor({ timeout: 15000 });

  // 7. Mette hands back; Jens sees it leave the list; the bot answers again.
  await mette.page.getByRole("button", { name: "Giv tilbage til Borgerbot" }).click();
  await mette.page.locator("#shell-status", { hasText: "givet tilbage" }).waitFor();
  await jensItem.waitFor({ state: "detached", timeout: 15000 });
  const handedBack = (await graphMessages(psid)).length;
  await webhook(psid, "Hvornår bliver mit affald hentet?");
  await until("the bot's answer", async () => (await graphMessages(psid)).length > handedBack);
  // the open conversation shows the citizen's new message and the bot's answer, live
  await mette.page.locator("#transcript li.from-citizen", { hasText: "mit affald" }).waitFor({ timeout: 15000 });
  await until("the bot's answer in the transcript", async () =>
    (await mette.page.locator("#transcript li").last().getAttribute("class")) === "from-bot");
  await mette.page.setViewportSize(desktop);
  await mette.page.screenshot({ path: join(artifacts, "day-conversation-desktop.png"), fullPage: true });

  // 8. A crisis chat: Jens gets the alert and the badge without a reload.
  await webhook(psid + "-2", "jeg kan ikke mere, jeg vil ikke leve længere");
  await jens.page.locator("#live-alert[role=alert]", { hasText: "Haster" }).waitFor({ timeout: 15000 });
  await until("title badge", async () => /^\(1\) /.test(await jens.page.title()));
  if ((await jens.page.evaluate(() => window.__noReload)) !== 42) throw new Error("Jens' page reloaded");
  await jens.page.screenshot({ path: join(artifacts, "day-inbox-desktop.png"), fullPage: true });
  // the sound can be turned off, and it stays off
  await jens.page.getByRole("button", { name: "Lyd: til" }).click();
  await jens.page.getByRole("button", { name: "Lyd: fra" }).waitFor();
  if ((await jens.page.evaluate(() => localStorage.getItem("bb-sound"))) !== "off")
    throw new Error("the sound setting is not kept");
  await jens.context.close();
  await mette.context.close();
} catch (e) {
  console.error(e.stack || String(e));
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
