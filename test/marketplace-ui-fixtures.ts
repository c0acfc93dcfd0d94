/** Marketplace data as the routers answer it (lib/schemas/marketplace.ts), for the components' tests. */
import type {
  InstallConsent,
  InstallDiff,
  ListingDetail,
  ListingInstallOut,
  ListingSummary,
  MarketplacePackage,
  PermissionManifest,
} from "@/lib/schemas/marketplace";

export const manifest = (over: Partial<PermissionManifest> = {}): PermissionManifest => ({
  tools: [
    { name: "crm_lookup", kind: "http", hosts: ["api.crm.example"], usedBy: ["researcher"], approval: "always" },
    { name: "web_fetch", kind: "builtin", hosts: ["*"], usedBy: ["researcher", "writer"], approval: "never" },
  ],
  egressHosts: ["*", "api.crm.example"],
  secretSlots: [{ name: "crm_token", host: "api.crm.example", usedBy: ["researcher"] }],
  memory: { reads: ["workspace", "agent"], writes: ["agent"], knowledgeDocuments: 2 },
  needsApprovals: true,
  agents: 2,
  teams: 1,
  subRuns: true,
  estimatedCostPerRunUsd: { low: 0.002, high: 0.04 },
  ...over,
});

export const pkg: MarketplacePackage = {
  kind: "cadre.package",
  format: 1,
  root: { kind: "team", slug: "crew" },
  agents: [
    { slug: "researcher", name: "Researcher", instructions: "Find", modelPolicy: { type: "preset", preset: "fast" } },
    { slug: "writer", name: "Writer", instructions: "Write", modelPolicy: { type: "preset", preset: "balanced" } },
  ] as MarketplacePackage["agents"],
  teams: [
    { slug: "crew", name: "Crew", description: "", spec: { topology: "sequential", agents: ["researcher", "writer"], context: "all" } },
  ] as MarketplacePackage["teams"],
  tools: [],
  mcpServers: [],
  knowledge: [],
};

export const summary = (over: Partial<ListingSummary> = {}): ListingSummary => ({
  id: "lst_crew000001",
  slug: "research-crew",
  name: "Research crew",
  summary: "Researches a company and writes a brief",
  category: "research",
  tags: ["research", "crm"],
  icon: "🔎",
  kind: "team",
  visibility: "public",
  status: "active",
  publisherName: "Publisher Inc",
  latestVersion: 2,
  installCount: 12,
  ratingAverage: 4.5,
  ratingCount: 4,
  updatedAt: "2026-11-02T10:00:00.000Z",
  mine: false,
  ...over,
});

export const detail = (over: Partial<ListingDetail> = {}): ListingDetail => ({
  ...summary(),
  description: "# Research crew\n\nIt **researches**. ![tracker](https://evil.example/p.png) <script>alert(1)</script>",
  versions: [
    {
      id: "lsv_2",
      version: 2,
      changelog: "Adds the CRM lookup",
      digest: "ab".repeat(32),
      signature: "sig",
      keyId: "k1",
      verified: true,
      publishedAt: "2026-11-02T10:00:00.000Z",
    },
    {
      id: "lsv_1",
      version: 1,
      changelog: "First version",
      digest: "cd".repeat(32),
      signature: "sig",
      keyId: "k1",
      verified: true,
      publishedAt: "2026-10-01T10:00:00.000Z",
    },
  ],
  latest: {
    id: "lsv_2",
    version: 2,
    changelog: "Adds the CRM lookup",
    manifest: manifest(),
    digest: "ab".repeat(32),
    signature: "sig",
    keyId: "k1",
    verified: true,
    publishedAt: "2026-11-02T10:00:00.000Z",
    package: pkg,
  },
  linkToken: null,
  installs: [],
  myReview: null,
  ...over,
});

export const consent = (over: Partial<InstallConsent> = {}): InstallConsent => ({
  listingId: "lst_crew000001",
  version: 2,
  manifest: manifest({
    secretSlots: [
      { name: "crm_token", host: "api.crm.example", usedBy: ["researcher"] },
      { name: "mail_key", host: null, usedBy: ["writer"] },
    ],
  }),
  consentDigest: "digest-of-v2",
  secretSlots: [
    { name: "crm_token", host: "api.crm.example", usedBy: ["researcher"] },
    { name: "mail_key", host: null, usedBy: ["writer"] },
  ],
  ...over,
});

export const install = (over: Partial<ListingInstallOut> = {}): ListingInstallOut => ({
  id: "lin_one0000001",
  listingId: "lst_crew000001",
  listingName: "Research crew",
  listingStatus: "active",
  version: 1,
  latestVersion: 2,
  updateAvailable: true,
  root: { kind: "team", id: "tea_1", slug: "crew" },
  agents: [
    { id: "agt_1", slug: "researcher" },
    { id: "agt_2", slug: "writer" },
  ],
  teams: [{ id: "tea_1", slug: "crew" }],
  tools: [{ id: "tol_1", name: "web_fetch" }],
  judges: [],
  secretBindings: { old_slot: "sec_old000001" },
  installedAt: "2026-11-03T10:00:00.000Z",
  updatedAt: "2026-11-03T10:00:00.000Z",
  ...over,
});

export const diff = (over: Partial<InstallDiff> = {}): InstallDiff => ({
  from: 1,
  to: 2,
  agents: [
    { slug: "researcher", change: "changed", fields: ["instructions", "allowedTools"], instructionsDiff: "-Find\n+Find and look up the CRM" },
    { slug: "writer", change: "same", fields: [], instructionsDiff: null },
  ],
  teams: [{ slug: "crew", change: "same", fields: [] }],
  tools: [
    { name: "crm_lookup", change: "added" },
    { name: "web_fetch", change: "same" },
  ],
  judges: [
    { slug: "factuality", change: "changed", fields: ["rubric"] },
    { slug: "tone", change: "same", fields: [] },
  ],
  newPermissions: { hosts: ["api.crm.example"], secretSlots: ["crm_token"], tools: ["crm_lookup"], memoryWrites: [], approvalsDropped: false },
  consentDigest: "digest-of-update",
  ...over,
});

export const secrets = [
  { id: "sec_crm0000001", name: "CRM_TOKEN" },
  { id: "sec_mail000001", name: "MAIL_KEY" },
];
