// Drives the console's cases and administration pages in Debian's headless
// Chromium (playwright-core) over HTTPS: a staff user filters the cases,
// opens the bot's case, sets it resolved with a note (the page says how many
// citizens were told, and with what), adds a gritting run for the case's
// street's route, sees no "Administration" and gets 403 from the admin API;
// an admin adds a user, who then logs in. axe-core finds no serious or
// critical violation on the cases list, a case, and the admin pages; no CSP
// report. Screenshots (phone and desktop) go to ARTIFACT_DIR.
//
//   node cases.mjs BASE_URL STAFF_USER ADMIN_USER PASSWORD NEW_PASSWORD REF ROUTE ARTIFACT_DIR
//
// Exits non-zero with a message on any failure. Started by
// tests/integration/test_console_cases_browser.py, which runs the real server,
// files the case through a signed webhook and checks what the citizen got.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { axeCheck as axe, launchChromium, watchPage } from "./lib.mjs";

const [base, staff, admin, password, newPassword, ref, route, artifacts] = process.argv.slice(2);
if (!artifacts) {
  console.error("usage: node cases.mjs BASE_URL STAFF ADMIN PASSWORD NEW_PASSWORD REF ROUTE ARTIFACT_DIR");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

const browser = await launchChromium();


let failed = false;
const axeCheck = (context, url, ready, name) => axe(browser, { context, url, ready, name });

async function newPage(context) {
  const page = await context.newPage();
  watchPage(page, msg => { console.error(msg); failed = true; });
  return page;
}

async function login(page, user, pw) {
  await page.goto(base + "/console");
  await page.getByLabel("Brugernavn").fill(user);
  await page.getByLabel("Adgangskode").fill(pw);
  await page.getByRole("button", { name: "Log ind" }).click();
  await page.getByRole("button", { name: "Log ud" }).waitFor();
}

async function shots(page, name) {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.screenshot({ path: join(artifacts, name + "-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: join(artifacts, name + ".png"), fullPage: true });
}

try {
  // ---- a staff user of the case's department ----
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  const page = await newPage(context);
  await login(page, staff, password);
  if (await page.locator("#nav-list a", { hasText: "Administration" }).count())
    throw new Error("a staff user sees Administration");
  const adminApi = await page.evaluate(async () => (await fetch("/api/admin/users")).status);
  if (adminApi !== 403) throw new Error("a staff user got " + adminApi + " from the admin API");

  await page.getByRole("link", { name: "Sager" }).click();
  await page.getByRole("heading", { name: "Sager", level: 1 }).waitFor();
  await page.locator("#f-street").fill("Duevej");
  await page.getByRole("button", { name: "Vis sager" }).click();
  await page.locator("#case-list a", { hasText: ref }).waitFor();
  await shots(page, "cases-list");
  await axeCheck(context, base + "/console#/sager", "#case-list table", "cases list");

  await page.locator("#case-list a", { hasText: ref }).click();
  await page.getByRole("heading", { name: "Sag " + ref }).waitFor();
  await page.getByLabel("Ny status").selectOption("resolved");
  await page.getByLabel(/^Note/).fill("Ny pære sat i");
  await page.getByRole("button", { name: "Gem status" }).click();
  await page.locator("#shell-status", { hasText: "Status er nu Løst" }).waitFor();
  const said = await page.locator("#shell-status").textContent();
  if (!/1 borger\(e\) får besked/.test(said)) throw new Error("status message: " + said);
  await page.locator(".notice-text", { hasText: "repareret" }).waitFor();
  await page.locator(".history li", { hasText: "Ny pære sat i" }).waitFor();
  await shots(page, "cases-detail");
  await axeCheck(context, base + "/console#/sager/" + ref, "#status-form", "case detail");

  // ---- a gritting run for the route of the case's street ----
  await page.getByRole("link", { name: "← Alle sager" }).click();
  const what = page.getByLabel("Rute eller klasse");
  await what.waitFor();
  await what.selectOption("route:" + route);
  // a start after the end is refused in the page, in Danish
  const now = new Date(Date.now() - 5 * 60000);
  const local = d => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  await page.getByLabel(/^Start/).fill(local(now));
  await page.getByLabel(/^Slut/).fill(local(new Date(now.getTime() - 3600000)));
  await page.getByRole("button", { name: "Registrér saltning" }).click();
  await page.locator("#shell-status.error", { hasText: "Slut skal være efter start" }).waitFor();
  await page.getByLabel(/^Start/).fill(local(new Date(now.getTime() - 3600000)));
  await page.getByLabel(/^Slut/).fill(local(now));
  await page.getByRole("button", { name: "Registrér saltning" }).click();
  await page.locator("#shell-status", { hasText: "Saltningen er registreret" }).waitFor();
  await shots(page, "cases-gritting");
  await page.getByRole("button", { name: "Log ud" }).click();
  await context.close();

  // ---- an admin adds a user ----
  const actx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  const apage = await newPage(actx);
  await login(apage, admin, password);
  await apage.getByRole("link", { name: "Administration" }).click();
  await apage.locator("#user-list table").waitFor();
  await apage.locator("#u-username").fill("kim");
  await apage.locator("#u-name").fill("Kim Holm");
  await apage.locator("#u-department").fill("Vej og Park");
  await apage.getByLabel(/^Første adgangskode/).fill("kort");
  await apage.getByRole("button", { name: "Opret bruger" }).click();
  await apage.locator("#shell-status.error", { hasText: "ikke oprettet" }).waitFor();
  await apage.getByLabel(/^Første adgangskode/).fill(newPassword);
  await apage.getByRole("button", { name: "Opret bruger" }).click();
  await apage.locator("#shell-status", { hasText: "kim er oprettet" }).waitFor();
  await apage.locator('tr[data-user="kim"]').waitFor();
  await shots(apage, "admin-users");
  await axeCheck(actx, base + "/console#/admin", "#user-list table", "admin users");
  await apage.getByRole("link", { name: "Indstillinger" }).click();
  await apage.locator("#settings table").first().waitFor();
  await shots(apage, "admin-settings");
  await axeCheck(actx, base + "/console#/admin/indstillinger", "#settings table", "admin settings");
  // a live setting: a value out of range is refused in Danish, a good one is in force at once
  const retries = apage.getByLabel("Gange Borgerbot spørger igen, før en medarbejder tager over", { exact: true });
  const saveRetries = apage.getByRole("button", { name: "Gem Gange Borgerbot spørger igen, før en medarbejder tager over" });
  await retries.fill("9");
  await saveRetries.click();
  await apage.locator("#shell-status.error", { hasText: "Skriv et helt tal mellem 0 og 5" }).waitFor();
  await retries.fill("2");
  await saveRetries.click();
  await apage.locator("#shell-status", { hasText: "gemt. Det gælder fra nu af." }).waitFor();
  await apage.locator("#settings td", { hasText: "Ændret af " + admin }).waitFor();
  await shots(apage, "admin-settings-changed");
  await axeCheck(actx, base + "/console#/admin/indstillinger", "#settings td button", "admin settings changed");
  await apage.getByRole("button", { name: "Brug filens værdi for Gange Borgerbot spørger igen, før en medarbejder tager over" }).click();
  await apage.locator("#shell-status", { hasText: "filens værdi bruges igen" }).waitFor();
  // the table is drawn again after the reset: wait for it, or the select below is replaced
  await apage.locator("#settings td", { hasText: "Ændret af" }).first().waitFor({ state: "detached" });
  const anger = apage.getByLabel("En vred borger sendes videre til en medarbejder", { exact: true });
  await anger.selectOption("false");
  await apage.getByRole("button", { name: "Gem En vred borger sendes videre til en medarbejder" }).click();
  await apage.locator("#settings td", { hasText: "I filen: Ja." }).waitFor();
  await apage.getByRole("link", { name: "Revisionslog" }).click();
  await apage.locator("#audit-list table td", { hasText: "staff.add" }).first().waitFor();
  await shots(apage, "admin-audit");
  await axeCheck(actx, base + "/console#/admin/log", "#audit-list table", "admin audit log");
  await actx.close();

  // ---- the new user logs in ----
  const kctx = await browser.newContext({ ignoreHTTPSErrors: true });
  const kpage = await newPage(kctx);
  await login(kpage, "kim", newPassword);
  const who = await kpage.locator("#who-name").textContent();
  if (!who.includes("Kim Holm")) throw new Error("the new user's shell names " + who);
  await kctx.close();
} catch (e) {
  console.error(e.stack || String(e));
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
