// @vitest-environment happy-dom
/**
 * The install dialog: the manifest again, one select per secret slot (every slot must be bound), an optional slug
 * prefix (checked before sending), the consent; it sends the consent's version and digest, shows the server's
 * refusals on the fields, then links to the installed team.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { TRPCClientError } from "@trpc/client";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { consent, install, secrets } from "@/test/marketplace-ui-fixtures";
import type { InstallConsent, ListingInstallOut } from "@/lib/schemas/marketplace";
import { InstallDialog } from "./install-dialog";

afterEach(cleanup);

function open(props: {
  consent?: InstallConsent;
  installed?: ListingInstallOut | null;
  onInstall?: (input: unknown) => Promise<unknown>;
  onCreateSecret?: () => void;
}) {
  const onInstall = vi.fn(props.onInstall ?? (async () => install()));
  renderAs("member", fakeApi({}), () =>
    h(InstallDialog, {
      open: true,
      onOpenChange: () => {},
      listing: "lst_crew000001",
      listingName: "Research crew",
      consent: "consent" in props ? props.consent : consent(),
      secrets,
      onCreateSecret: props.onCreateSecret,
      onInstall,
      installed: props.installed ?? null,
      installedHref: (i) => `/w/w/${i.root.kind}s/${i.root.slug}`,
    }),
  );
  return { onInstall, dialog: screen.getByRole("dialog", { name: "Install Research crew" }) };
}

describe("InstallDialog", () => {
  it("shows the manifest and refuses to install until every slot is bound and the consent is given", async () => {
    const user = userEvent.setup();
    const { onInstall, dialog } = open({});
    expect(within(dialog).getByTestId("manifest")).toBeTruthy();
    expect(within(dialog).getAllByTestId("manifest-slot")).toHaveLength(2);
    const slotSelect = within(dialog).getByTestId("install-slot-crm_token");
    expect(Array.from((slotSelect as HTMLSelectElement).options).map((o) => o.text)).toEqual(["Choose a secret…", "CRM_TOKEN", "MAIL_KEY"]);
    await user.click(within(dialog).getByTestId("install-submit"));
    expect(await within(dialog).findAllByText("Choose one of your secrets for this slot")).toHaveLength(2);
    expect(within(dialog).getByText("Tick the box to consent to these permissions")).toBeTruthy();
    // one slot bound, the other still refused
    await user.selectOptions(slotSelect, "sec_crm0000001");
    await user.click(within(dialog).getByTestId("install-consent"));
    await user.click(within(dialog).getByTestId("install-submit"));
    expect(await within(dialog).findAllByText("Choose one of your secrets for this slot")).toHaveLength(1);
    expect(onInstall).not.toHaveBeenCalled();
  });

  it("checks the slug prefix, then installs with the consent's version and digest", async () => {
    const user = userEvent.setup();
    const { onInstall, dialog } = open({});
    await user.selectOptions(within(dialog).getByTestId("install-slot-crm_token"), "sec_crm0000001");
    await user.selectOptions(within(dialog).getByTestId("install-slot-mail_key"), "sec_mail000001");
    await user.click(within(dialog).getByTestId("install-consent"));
    await user.type(within(dialog).getByTestId("install-prefix"), "Bad Prefix!");
    await user.click(within(dialog).getByTestId("install-submit"));
    expect(await within(dialog).findByText("Contains characters that are not allowed here")).toBeTruthy();
    expect(onInstall).not.toHaveBeenCalled();
    await user.clear(within(dialog).getByTestId("install-prefix"));
    await user.type(within(dialog).getByTestId("install-prefix"), "mkt");
    await user.click(within(dialog).getByTestId("install-submit"));
    await vi.waitFor(() => expect(onInstall).toHaveBeenCalledOnce());
    expect(onInstall.mock.calls[0]![0]).toEqual({
      listing: "lst_crew000001",
      version: 2,
      secretBindings: { crm_token: "sec_crm0000001", mail_key: "sec_mail000001" },
      slugPrefix: "mkt",
      consentDigest: "digest-of-v2",
    });
  });

  it("puts the server's refusal on the slot it names, and the rest above the button", async () => {
    const user = userEvent.setup();
    const refusal = new TRPCClientError("Invalid", {
      result: {
        error: {
          code: -32600,
          message: "Invalid",
          data: { code: "BAD_REQUEST", issues: [{ path: "secretBindings.crm_token", message: "No such secret in this workspace" }] },
        },
      },
    } as never);
    const { dialog } = open({
      consent: consent({ secretSlots: [consent().secretSlots[0]!] }),
      onInstall: async () => {
        throw refusal;
      },
    });
    await user.selectOptions(within(dialog).getByTestId("install-slot-crm_token"), "sec_crm0000001");
    await user.click(within(dialog).getByTestId("install-consent"));
    await user.click(within(dialog).getByTestId("install-submit"));
    expect(await within(dialog).findByText("No such secret in this workspace")).toBeTruthy();
  });

  it("offers to create a secret; a package with no slot has no select", async () => {
    const user = userEvent.setup();
    const onCreateSecret = vi.fn();
    open({ onCreateSecret });
    await user.click(screen.getByTestId("install-new-secret"));
    expect(onCreateSecret).toHaveBeenCalledOnce();
    cleanup();
    const { onInstall, dialog } = open({ consent: consent({ secretSlots: [] }) });
    expect(within(dialog).queryByTestId("install-slots")).toBeNull();
    await user.click(within(dialog).getByTestId("install-consent"));
    await user.click(within(dialog).getByTestId("install-submit"));
    await vi.waitFor(() => expect(onInstall).toHaveBeenCalledOnce());
    expect(onInstall.mock.calls[0]![0]).toMatchObject({ secretBindings: {}, consentDigest: "digest-of-v2" });
  });

  it("once installed, links to the installed team", () => {
    renderAs("member", fakeApi({}), () =>
      h(InstallDialog, {
        open: true,
        onOpenChange: () => {},
        listing: "lst_crew000001",
        listingName: "Research crew",
        consent: consent(),
        secrets,
        onInstall: async () => null,
        installed: install({ version: 2 }),
        installedHref: (i) => `/w/w/${i.root.kind}s/${i.root.slug}`,
      }),
    );
    expect(screen.getByTestId("install-done").textContent).toContain("Installed v2: 2 agents, 1 team, 1 tool.");
    expect(screen.getByTestId("install-open").getAttribute("href")).toBe("/w/w/teams/crew");
  });
});
