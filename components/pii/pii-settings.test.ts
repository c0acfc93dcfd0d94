// @vitest-environment happy-dom
/**
 * Settings > PII & secrets, rendered from a filled query cache against the real tRPC router (mutations go through a
 * caller): an admin changes an action, a path and the phone region and saves the whole policy (the workspace's policy
 * then is that); the try-it box shows the text as the policy on the page leaves it and the findings by kind, rule and
 * position, never the value; a viewer reads it all, disabled, without a Save button.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, render as rtlRender, screen, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, type TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import type { AppRouter } from "@/server/api/root";
import { TRPCProvider } from "@/lib/trpc/react";
import { WorkspaceContextProvider, type WorkspaceContextValue } from "@/components/workspace/workspace-context";
import { roleCan, type Role } from "@/lib/permissions";
import { callerFor, makeWorkspace, type TestWorkspace } from "@/test/helpers";
import { PiiSettings } from "./pii-settings";
import { resetTestNavigation } from "@/test/next-navigation";

resetTestNavigation({ pathname: "/w/w/settings/pii" });

afterEach(cleanup);

let ws: TestWorkspace;
beforeAll(async () => {
  ws = await makeWorkspace("pii-ui");
});

/** A link that answers every call with the role's server-side caller (the real router, permissions and all). */
function callerLink(role: Role): TRPCLink<AppRouter> {
  const caller = callerFor(ws.users[role], ws.slug) as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>;
  return () =>
    ({ op }) =>
      observable((observer) => {
        const [router, procedure] = op.path.split(".") as [string, string];
        caller[router]![procedure]!(op.input).then(
          (data) => {
            observer.next({ result: { type: "data", data } });
            observer.complete();
          },
          (error) => observer.error(error),
        );
      });
}

async function render(role: Role) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  const trpcClient = createTRPCClient<AppRouter>({ links: [callerLink(role)] });
  const workspace: WorkspaceContextValue = {
    slug: ws.slug,
    workspace: {} as WorkspaceContextValue["workspace"],
    role,
    user: { id: ws.users[role].id, email: ws.users[role].email, name: null },
    can: (p) => roleCan(role, p),
  };
  const settings = await callerFor(ws.users[role], ws.slug).pii.get();
  return rtlRender(
    h(
      QueryClientProvider,
      { client: queryClient },
      h(TRPCProvider, {
        trpcClient,
        queryClient,
        keyPrefix: ws.slug,
        children: h(WorkspaceContextProvider, { value: workspace }, h(PiiSettings, { settings })),
      }),
    ),
  );
}

const saved = () => callerFor(ws.users.owner, ws.slug).pii.get();
const radio = (name: string) => screen.getByRole<HTMLButtonElement>("radio", { name });
const pathSwitch = (path: string) => screen.getByTestId(`pii-path-${path}`);

describe("Settings: PII & secrets", () => {
  it("an admin changes actions, a path and the phone region, and saves the policy", async () => {
    await render("admin");
    const user = userEvent.setup();
    expect(radio("Redact secrets (api keys, tokens, private keys)").getAttribute("aria-checked")).toBe("true");
    expect(radio("Keep email addresses").getAttribute("aria-checked")).toBe("true");
    expect(screen.getByText(/before they are embedded and stored/)).toBeTruthy();
    const save = screen.getByRole<HTMLButtonElement>("button", { name: "Save policy" });
    expect(save.disabled).toBe(true);

    await user.click(radio("Mask email addresses"));
    await user.click(radio("Hash phone numbers"));
    await user.click(pathSwitch("logs"));
    await user.selectOptions(screen.getByTestId("pii-phone-region"), "GB");
    expect(save.disabled).toBe(false);
    await user.click(save);
    await screen.findByTestId("pii-saved");

    const { policy, isDefault } = await saved();
    expect(isDefault).toBe(false);
    expect(policy).toMatchObject({ actions: { email: "mask", phone: "hash", secret: "redact" }, paths: { logs: false, storage: true }, phoneRegion: "GB" });
  });

  it("the try-it box tries the policy on the page: the text as it leaves it, the findings without their values", async () => {
    await render("admin");
    const user = userEvent.setup();
    await user.click(radio("Redact email addresses"));
    await user.type(screen.getByTestId("pii-try-text"), "Mail jane.doe@example.com today");
    await user.click(screen.getByRole("button", { name: "Try" }));
    const result = await screen.findByTestId("pii-try-result");
    expect(result.textContent).toBe("Mail [EMAIL] today");
    const findings = screen.getByTestId("pii-try-findings");
    const cells = within(findings)
      .getAllByRole("row")
      .slice(1)
      .map((r) =>
        within(r)
          .getAllByRole("cell")
          .map((c) => c.textContent),
      );
    expect(cells).toEqual([["Email addresses", "email", "5–25", "Redact"]]);
    expect(findings.textContent).not.toContain("jane");
    // not saved: the workspace's policy still keeps email addresses as they were saved
    expect((await saved()).policy.actions.email).toBe("mask");
  });

  it("a viewer reads the policy, every control disabled, without a Save button", async () => {
    await render("viewer");
    expect(radio("Mask email addresses").getAttribute("aria-checked")).toBe("true");
    expect(radio("Redact email addresses").disabled).toBe(true);
    expect((pathSwitch("storage") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId<HTMLSelectElement>("pii-phone-region").disabled).toBe(true);
    expect(screen.queryByRole("button", { name: "Save policy" })).toBeNull();
    expect(screen.getByTestId("pii-read-only")).toBeTruthy();
    // a viewer may still try a text
    expect(screen.getByRole("button", { name: "Try" })).toBeTruthy();
  });
});
