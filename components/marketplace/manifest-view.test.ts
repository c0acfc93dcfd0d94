// @vitest-environment happy-dom
/**
 * The consent screen: every part of a permission manifest is shown (tools and their hosts, egress, secret slots,
 * memory, the quality gate's judges, approvals, sub-runs, cost, the signature), "*" as "any host"; an update's diff highlights what it adds.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createElement as h } from "react";
import { cleanup, render, screen, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { consent, detail, diff, install, manifest, secrets } from "@/test/marketplace-ui-fixtures";
import { ManifestView, SignatureBadge } from "./manifest-view";
import { InstallDiffView } from "./install-diff";

afterEach(cleanup);

const texts = (testId: string) => screen.getAllByTestId(testId).map((e) => e.textContent ?? "");

describe("ManifestView", () => {
  it("shows every part of the manifest", () => {
    render(h(ManifestView, { manifest: manifest() }));
    expect(screen.getByTestId("manifest-size").textContent).toBe("Installs 2 agents and 1 team into this workspace.");
    const tools = texts("manifest-tool");
    expect(tools[0]).toContain("crm_lookup");
    expect(tools[0]).toContain("api.crm.example");
    expect(tools[0]).toContain("asks for approval");
    expect(tools[0]).toContain("used by researcher");
    expect(tools[1]).toContain("any host");
    expect(texts("manifest-host")).toEqual(["any host", "api.crm.example"]);
    expect(texts("manifest-slot")[0]).toContain("crm_token");
    expect(texts("manifest-slot")[0]).toContain("sent to api.crm.example");
    expect(screen.getByTestId("manifest-memory-reads").textContent).toContain("workspace, agent");
    expect(screen.getByTestId("manifest-memory-writes").textContent).toContain("agent");
    expect(screen.getByTestId("manifest-knowledge").textContent).toContain("2 knowledge documents");
    expect(screen.getByTestId("manifest-approvals").textContent).toContain("wait for a person's approval");
    expect(screen.getByTestId("manifest-subruns").textContent).toContain("may start other agents");
    expect(screen.getByTestId("manifest-cost").textContent).toContain("$0.0020 – $0.04 per run");
    expect(screen.queryByTestId("manifest-new")).toBeNull();
  });

  it("says so when a package asks for nothing", () => {
    const empty = manifest({
      tools: [],
      egressHosts: [],
      secretSlots: [],
      memory: { reads: [], writes: [], knowledgeDocuments: 0 },
      needsApprovals: false,
      subRuns: false,
      estimatedCostPerRunUsd: null,
      teams: 0,
      agents: 1,
    });
    render(h(ManifestView, { manifest: empty }));
    expect(screen.getByTestId("manifest-size").textContent).toBe("Installs 1 agent into this workspace.");
    expect(screen.getByTestId("manifest-tools").textContent).toContain("No tools");
    expect(screen.getByTestId("manifest-egress").textContent).toContain("Calls no host");
    expect(screen.getByTestId("manifest-secrets").textContent).toContain("Needs no secret");
    expect(screen.getByTestId("manifest-cost").textContent).toContain("No estimate");
    expect(screen.queryByTestId("manifest-knowledge")).toBeNull();
    expect(screen.queryByTestId("manifest-judges")).toBeNull();
  });

  it("lists the judges of the agents' quality gates, their criteria, and the judge calls a run makes", () => {
    const criteria = [
      { key: "accuracy", description: "Facts are right" },
      { key: "clarity", description: "Easy to read" },
    ];
    const gated = manifest({
      judges: [
        { slug: "ja", name: "Accuracy", criteria, usedBy: ["writer"] },
        { slug: "jb", name: "Clarity", criteria: criteria.slice(1), usedBy: ["writer", "researcher"] },
      ],
      judgeCallsPerRun: { min: 3, max: 9 },
    });
    render(h(ManifestView, { manifest: gated }));
    const judges = texts("manifest-judge");
    expect(judges).toHaveLength(2);
    expect(judges[0]).toContain("Accuracy");
    expect(judges[0]).toContain("accuracy (Facts are right), clarity (Easy to read)");
    expect(judges[1]).toContain("judges writer, researcher");
    expect(screen.getByTestId("manifest-judge-calls").textContent).toContain("Outputs of writer, researcher are scored");
    expect(screen.getByTestId("manifest-judge-calls").textContent).toContain("3 to 9 judge calls (with revisions) per run");
    cleanup();
    render(
      h(ManifestView, {
        manifest: manifest({ judges: [{ slug: "ja", name: "Accuracy", criteria, usedBy: ["writer"] }], judgeCallsPerRun: { min: 1, max: 1 } }),
      }),
    );
    expect(screen.getByTestId("manifest-judge-calls").textContent).toContain("1 judge call per run");
  });

  it("highlights the permissions an update adds, and only those", () => {
    render(h(ManifestView, { manifest: manifest(), newPermissions: diff().newPermissions }));
    const marked = Array.from(document.querySelectorAll("[data-new=true]")).map((e) => e.getAttribute("data-testid"));
    expect(marked.sort()).toEqual(["manifest-host", "manifest-slot", "manifest-tool"]);
    expect(screen.getAllByTestId("manifest-new")).toHaveLength(3);
    cleanup();
    render(
      h(ManifestView, {
        manifest: manifest(),
        newPermissions: { hosts: [], secretSlots: [], tools: [], memoryWrites: ["agent"], approvalsDropped: true },
      }),
    );
    expect(screen.getByTestId("manifest-memory-writes").getAttribute("data-new")).toBe("true");
    expect(screen.getByTestId("manifest-approvals").getAttribute("data-new")).toBe("true");
    expect(screen.getByTestId("manifest-memory-reads").getAttribute("data-new")).toBeNull();
  });

  it("the signature: verified with its digest and key, or a warning", () => {
    const v = detail().latest;
    render(h(SignatureBadge, { verified: true, digest: v.digest, keyId: v.keyId }));
    expect(screen.getByTestId("signature").textContent).toContain("Verified signature");
    expect(screen.getByTestId("signature-digest").textContent).toBe(v.digest);
    cleanup();
    render(h(SignatureBadge, { verified: false, digest: v.digest, keyId: v.keyId }));
    expect(screen.getByTestId("signature").textContent).toContain("does not match");
  });
});

describe("InstallDiffView", () => {
  it("shows what changes, highlights the new permissions, and updates with the new slots bound and the diff's digest", async () => {
    const user = userEvent.setup();
    const onUpdate = vi.fn(async () => install({ version: 2, updateAvailable: false }));
    renderAs("member", fakeApi({}), () =>
      h(InstallDiffView, {
        install: install(),
        diff: diff(),
        manifest: consent().manifest,
        slots: consent().secretSlots,
        secrets,
        canUpdate: true,
        onUpdate,
      }),
    );
    expect(screen.getByTestId("diff-new-permissions").textContent).toContain("New hosts: api.crm.example");
    expect(texts("diff-new-permission")).toEqual(["New hosts: api.crm.example", "New secrets to bind: crm_token", "New tools: crm_lookup"]);
    // only the agents and tools that changed; the instructions as a diff
    expect(screen.getAllByTestId("diff-agent").map((a) => a.getAttribute("data-slug"))).toEqual(["researcher"]);
    expect(screen.getByTestId("diff-instructions").textContent).toContain("+Find and look up the CRM");
    expect(screen.getAllByTestId("diff-tool").map((t) => [t.textContent, t.getAttribute("data-new")])).toEqual([["crm_lookupadded", "true"]]);
    expect(screen.getAllByTestId("diff-judge").map((j) => j.textContent)).toEqual(["factualitychangedrubric"]);
    // the new version's manifest, its additions marked
    const manifestView = screen.getByTestId("manifest");
    expect(within(manifestView).getAllByTestId("manifest-new").length).toBeGreaterThan(0);
    // crm_token is new; mail_key is not bound by the install yet: both must be bound
    await user.click(screen.getByTestId("update-submit"));
    expect(await screen.findAllByText("Choose one of your secrets for this slot")).toHaveLength(2);
    expect(onUpdate).not.toHaveBeenCalled();
    await user.selectOptions(screen.getByTestId("install-slot-crm_token"), "sec_crm0000001");
    await user.selectOptions(screen.getByTestId("install-slot-mail_key"), "sec_mail000001");
    await user.click(screen.getByTestId("update-submit"));
    await vi.waitFor(() => expect(onUpdate).toHaveBeenCalledOnce());
    expect(onUpdate.mock.calls[0]).toEqual([
      {
        install: "lin_one0000001",
        version: 2,
        secretBindings: { old_slot: "sec_old000001", crm_token: "sec_crm0000001", mail_key: "sec_mail000001" },
        consentDigest: "digest-of-update",
      },
    ]);
  });

  it("an update that adds nothing says so, and a viewer gets no Update button", () => {
    const quiet = diff({ newPermissions: { hosts: [], secretSlots: [], tools: [], memoryWrites: [], approvalsDropped: false } });
    renderAs("viewer", fakeApi({}), () => h(InstallDiffView, { install: install(), diff: quiet, secrets: [], canUpdate: false, onUpdate: async () => null }));
    expect(screen.getByTestId("diff-no-new-permissions")).toBeTruthy();
    expect(screen.queryByTestId("update-submit")).toBeNull();
  });
});
