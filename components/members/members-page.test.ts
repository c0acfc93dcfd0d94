// @vitest-environment happy-dom
/**
 * The Members page: people and pending invitations from their queries, the invite dialog (the link shown once,
 * "Invite someone else"), a new link for a pending invitation, and a viewer's read-only page.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { fakeApi, ME, renderAs } from "@/test/ui-harness";
import { MembersPage } from "./members-page";

afterEach(cleanup);

const day = new Date("2026-01-02T10:00:00Z");
const members = [
  { id: "mem_1", userId: ME.id, email: ME.email, name: "Me", role: "owner", joinedAt: day },
  { id: "mem_2", userId: "usr_2", email: "bob@example.test", name: null, role: "member", joinedAt: day },
];
const invitation = (id: string, email: string, role: string) => ({ id, email, role, status: "pending", invitedBy: ME.email, expiresAt: day, createdAt: day });

function api() {
  let invitations = [invitation("inv_1", "cat@example.test", "admin"), { ...invitation("inv_0", "old@example.test", "member"), status: "revoked" }];
  let n = 1;
  return fakeApi({
    "members.list": () => ({ items: members, nextCursor: null }),
    "invitations.list": () => [...invitations],
    "invitations.create": (input) => {
      const { email, role } = input as { email: string; role: string };
      n += 1;
      const created = invitation(`inv_${n}`, email, role);
      // the server replaces a pending invitation to the same address
      invitations = [...invitations.filter((i) => i.email !== email), created];
      return { invitation: created, url: `http://localhost/invite/token-${n}`, emailed: false };
    },
  });
}

const emails = (testId: string) => screen.getAllByTestId(testId).map((r) => r.getAttribute("data-email"));

describe("Members page", () => {
  it("lists the people and the pending invitations of their queries", async () => {
    renderAs("owner", api(), () => h(MembersPage));
    await waitFor(() => expect(emails("member-row")).toEqual([ME.email, "bob@example.test"]));
    await waitFor(() => expect(emails("invitation-row")).toEqual(["cat@example.test"]));
    expect(screen.getAllByTestId("member-role-select")).toHaveLength(2);
    // nobody removes themselves here
    expect(screen.getAllByTestId("member-remove")).toHaveLength(1);
  });

  it("invites from the dialog, shows the link once, and offers to invite someone else", async () => {
    const user = userEvent.setup();
    const calls = api();
    renderAs("owner", calls, () => h(MembersPage));
    await waitFor(() => expect(emails("member-row")).toHaveLength(2));
    await user.click(screen.getByRole("button", { name: "Invite people" }));
    const dialog = await screen.findByRole("dialog", { name: "Invite people" });
    expect(within(dialog).getByText(/send it to them by any means/)).toBeTruthy();
    await user.type(within(dialog).getByTestId("invite-email"), "dan@example.test");
    await user.selectOptions(within(dialog).getByTestId("invite-role"), "viewer");
    await user.click(within(dialog).getByTestId("invite-submit"));
    const url = await within(dialog).findByTestId("invite-url");
    expect((url as HTMLInputElement).value).toBe("http://localhost/invite/token-2");
    expect(within(dialog).getByTestId("invite-result").textContent).toContain("only for dan@example.test");
    expect(calls["invitations.create"]).toHaveBeenCalledWith({ email: "dan@example.test", role: "viewer", expiresInDays: 7 });
    await waitFor(() => expect(emails("invitation-row")).toEqual(["cat@example.test", "dan@example.test"]));
    await user.click(within(dialog).getByTestId("invite-another"));
    expect((within(dialog).getByTestId("invite-email") as HTMLInputElement).value).toBe("");
    await user.click(within(dialog).getByRole("button", { name: "Close" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });

  it("makes a new link for a pending invitation (same address and role) and shows it", async () => {
    const user = userEvent.setup();
    const calls = api();
    renderAs("admin", calls, () => h(MembersPage));
    await waitFor(() => expect(emails("invitation-row")).toEqual(["cat@example.test"]));
    await user.click(screen.getByTestId("invitation-new-link"));
    await user.click(await screen.findByTestId("confirm-ok"));
    const url = await screen.findByTestId("invitation-link-url");
    expect((url as HTMLInputElement).value).toBe("http://localhost/invite/token-2");
    expect(calls["invitations.create"]).toHaveBeenCalledWith({ email: "cat@example.test", role: "admin" });
    // the replaced invitation's row is gone, the link stays on screen
    await waitFor(() => expect(screen.getAllByTestId("invitation-row").map((r) => r.getAttribute("data-email"))).toEqual(["cat@example.test"]));
    expect(screen.getByTestId("invitation-link-url")).toBeTruthy();
  });

  it("a viewer sees the people, read-only, without the invite button or the invitations", async () => {
    const calls = api();
    renderAs("viewer", calls, () => h(MembersPage));
    await waitFor(() => expect(emails("member-row")).toHaveLength(2));
    expect(screen.queryByTestId("invite-open")).toBeNull();
    expect(screen.queryByRole("button", { name: "Invite people" })).toBeNull();
    expect(screen.queryByTestId("member-role-select")).toBeNull();
    expect(screen.queryByTestId("member-remove")).toBeNull();
    expect(screen.queryByTestId("invitations")).toBeNull();
    expect(calls["invitations.list"]).not.toHaveBeenCalled();
    expect(screen.getByTestId("leave-workspace")).toBeTruthy();
  });
});
