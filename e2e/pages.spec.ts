/**
 * Every main page in both themes, at a desktop (1440 px) and a phone (390 px) width: an accessibility check (axe,
 * WCAG 2 A/AA rules) and a screenshot kept as an artefact of the run (test-results/). The sidebar is a rail on the
 * desktop and a drawer on the phone. Each page is loaded once: in the theme chosen last, then in the other, chosen
 * in the sidebar's theme menu (so both the stored theme at load and the switch are covered, half the pages each).
 */
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { createWorkspace, person, signUp } from "./support";

const PAGES = [
  "",
  "/agents",
  "/teams",
  "/memory",
  "/labels",
  "/tools",
  "/approvals",
  "/runs",
  "/playground",
  "/usage",
  "/budgets",
  "/audit",
  "/providers",
  "/models",
  "/routing",
  "/vault",
  "/members",
  "/api-keys",
  "/settings",
  "/settings/pii",
  "/setup",
];

async function axeFindings(page: Page) {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.length} element(s), e.g. ${v.nodes[0]?.target.join(" ")}`);
}

/** A full-page screenshot in the test's output directory (test-results/), attached to the report. */
async function shot(page: Page, testInfo: TestInfo, name: string) {
  const file = testInfo.outputPath(name);
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { path: file, contentType: "image/png" });
}

type Theme = "light" | "dark";
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

/** Chooses a theme with the sidebar's theme menu, as a person would: the page changes without a reload. */
async function switchTheme(page: Page, theme: Theme): Promise<Theme> {
  await page.getByTestId("theme-toggle").click();
  await page.getByTestId(`theme-${theme}`).click();
  await expect(page.getByRole("menu")).toBeHidden();
  return theme;
}

// axe measures colour contrast at one moment: without transitions a button enabled as its data arrives is never
// caught half-way through its fade from the disabled opacity (app/globals.css, prefers-reduced-motion)
test.use({ reducedMotion: "reduce" });

test("main pages: accessible in both themes, laid out at 1440 and 390 px", async ({ page }, testInfo) => {
  test.setTimeout(480_000);
  const stamp = Date.now().toString(36);
  await signUp(page, person("Pages"));
  await page.waitForURL(/\/new$/);
  await createWorkspace(page, "Page Tour", `tour-${stamp}`);
  const base = `/w/tour-${stamp}`;
  const findings: string[] = [];
  let theme: Theme = "light";
  await page.evaluate((t) => localStorage.setItem("theme", t), theme);
  for (const path of PAGES) {
    await page.setViewportSize(DESKTOP);
    await page.goto(base + path);
    await expect(page.getByTestId("sidebar")).toBeVisible();
    await page.waitForLoadState("networkidle");
    // each page in the theme it loaded in (the last one chosen), then in the other, chosen in the sidebar
    for (const step of ["as loaded", "switched"] as const) {
      if (step === "switched") theme = await switchTheme(page, theme === "light" ? "dark" : "light");
      await expect(page.locator("html")).toHaveClass(new RegExp(theme));
      for (const f of await axeFindings(page)) findings.push(`${theme} ${path || "/"}: ${f}`);
      const name = path.replaceAll("/", "-") || "-overview";
      await shot(page, testInfo, `${theme}-1440${name}.png`);
      await page.setViewportSize(PHONE);
      await expect(page.getByTestId("sidebar")).toBeHidden();
      await expect(page.getByTestId("sidebar-open")).toBeVisible();
      await shot(page, testInfo, `${theme}-390${name}.png`);
      await page.setViewportSize(DESKTOP);
      await expect(page.getByTestId("sidebar")).toBeVisible();
    }
  }
  await page.setViewportSize(PHONE);
  // the phone's drawer opens, navigates and closes
  await page.getByTestId("sidebar-open").click();
  await page.getByRole("dialog").getByTestId("nav-runs").click();
  await page.waitForURL(new RegExp(`${base}/runs$`));
  await expect(page.getByRole("dialog")).toBeHidden();
  testInfo.annotations.push({ type: "axe", description: findings.length ? findings.join("\n") : "no serious or critical findings" });
  expect(findings, findings.join("\n")).toEqual([]);
});
