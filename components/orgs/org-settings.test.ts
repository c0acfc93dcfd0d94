// @vitest-environment happy-dom
/** The organisation settings: the policy form (what it sends, the server's errors on list lines), and the group mappings. */
import { cleanup, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { createElement as h } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { TRPCClientError } from "@trpc/client";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { OrgPolicyForm } from "./org-policy-form";
import { OrgGroupsCard } from "./org-groups-card";

afterEach(cleanup);

const policy = {
  allowedSignInMethods: ["password", "github", "google", "sso"],
  ssoEnforced: false,
  mfaRequired: false,
  sessionMaxAgeMinutes: null,
  invitationDomains: [],
  workspaceCreation: "admins",
  apiIpAllowlist: [],
};
const org = (role: string, p = policy) => ({ id: "org_1", slug: "acme", name: "Acme", role, createdAt: new Date(), policy: p });

describe("OrgPolicyForm", () => {
  it("sends the whole policy with the list fields split by line, and shows Saved", async () => {
    const user = userEvent.setup();
    const calls = fakeApi({
      "orgs.get": () => org("admin"),
      "orgs.updatePolicy": (input) => org("admin", { ...policy, ...(input as object) }),
    });
    renderAs("owner", calls, () => h(OrgPolicyForm));
    await user.click(await screen.findByTestId("policy-mfa-required"));
    await user.click(screen.getByTestId("policy-method-github"));
    await user.type(screen.getByTestId("policy-session-minutes"), "120");
    await user.type(screen.getByTestId("policy-invitation-domains"), "corp.example\nlabs.example");
    await user.click(screen.getByTestId("policy-save"));
    await waitFor(() =>
      expect(calls["orgs.updatePolicy"]).toHaveBeenCalledWith(
        expect.objectContaining({
          mfaRequired: true,
          allowedSignInMethods: ["password", "google", "sso"],
          sessionMaxAgeMinutes: 120,
          invitationDomains: ["corp.example", "labs.example"],
          apiIpAllowlist: [],
        }),
      ),
    );
    expect(await screen.findByTestId("policy-saved")).toBeTruthy();
  });

  it("a member sees the policy read-only, without a save button", async () => {
    renderAs("member", fakeApi({ "orgs.get": () => org("member") }), () => h(OrgPolicyForm));
    await screen.findByTestId("policy-mfa-required");
    expect(screen.queryByTestId("policy-save")).toBeNull();
    expect((screen.getByTestId("policy-mfa-required") as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows the server's refusal of an allowlist line next to the field", async () => {
    const user = userEvent.setup();
    const calls = fakeApi({
      "orgs.get": () => org("owner"),
      "orgs.updatePolicy": () => {
        throw TRPCClientError.from({
          error: {
            message: "invalid",
            code: -32600,
            data: {
              code: "BAD_REQUEST",
              httpStatus: 422,
              issues: [{ path: "apiIpAllowlist.0", message: "An address or a CIDR range such as 203.0.113.0/24" }],
            },
          },
        });
      },
    });
    renderAs("owner", calls, () => h(OrgPolicyForm));
    await user.type(await screen.findByTestId("policy-ip-allowlist"), "300.1.1.1");
    await user.click(screen.getByTestId("policy-save"));
    expect((await screen.findByTestId("policy-apiIpAllowlist-error")).textContent).toContain("Line 1");
  });
});

describe("OrgGroupsCard", () => {
  it("edits the mapping rows and saves them all at once", async () => {
    const user = userEvent.setup();
    const calls = fakeApi({
      "orgs.groupRoles": () => [{ group: "eng", workspace: "main", role: "member" }],
      "orgs.workspaces": () => [
        { id: "ws_1", slug: "main", name: "Main", createdAt: new Date() },
        { id: "ws_2", slug: "labs", name: "Labs", createdAt: new Date() },
      ],
      "orgs.setGroupRoles": (input) => (input as { mappings: unknown[] }).mappings,
    });
    renderAs("owner", calls, () => h(OrgGroupsCard));
    await screen.findByTestId("group-row-0");
    await user.click(screen.getByTestId("group-add"));
    await user.type(screen.getByTestId("group-name-1"), "leads");
    await user.selectOptions(screen.getByTestId("group-workspace-1"), "labs");
    await user.selectOptions(screen.getByTestId("group-role-1"), "admin");
    await user.click(screen.getByTestId("group-save"));
    await waitFor(() =>
      expect(calls["orgs.setGroupRoles"]).toHaveBeenCalledWith({
        mappings: [
          { group: "eng", workspace: "main", role: "member" },
          { group: "leads", workspace: "labs", role: "admin" },
        ],
      }),
    );
  });
});
