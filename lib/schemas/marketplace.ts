import { z } from "zod";
import { AGENT_SLUG_PATTERN, createAgentInputSchema } from "./agents";
import { idSchema, paginationShape } from "./common";
import { createJudgeInputSchema, rubricSchema } from "./judges";
import { MEMORY_POLICY_SCOPES } from "./memory-policy";
import { MCP_TRANSPORTS } from "./mcp";
import { modelConstraintsSchema } from "./model-policy";
import { text } from "./text";
import { approvalPolicySchema, httpToolConfigSchema, toolInputSchemaSchema, toolNameSchema, BUILTIN_TOOL_NAMES } from "./tools";
import { topologySpecSchema } from "./topology";
import { agentGatesSchema, qualityGateSchema } from "./quality-gate";

/**
 * The shared marketplace (issue 16, server/marketplace/): a listing is a versioned, signed package of an agent or a
 * team that Cadre builds from the publisher's current versions (never uploaded raw), with a permission manifest
 * computed from it. Another workspace installs a listing version as its own ordinary agents, teams and tools, bound
 * to its own secrets. Nothing in a package names a workspace, a vault secret, a model id, a person or a run.
 */

export const PACKAGE_KIND = "cadre.package";
export const PACKAGE_FORMAT = 1;
export const LISTING_CATEGORIES = ["research", "writing", "coding", "data", "support", "sales", "operations", "other"] as const;
export const LISTING_VISIBILITIES = ["public", "unlisted"] as const;
/** active: installable; unpublished: by its publisher, hidden from new installs; removed: by a platform operator */
export const LISTING_STATUSES = ["active", "unpublished", "removed"] as const;
export const LISTING_SORTS = ["installs", "rating", "recent"] as const;
export const LISTING_REPORT_REASONS = ["malicious", "spam", "broken", "inappropriate", "other"] as const;
export const MAX_PACKAGE_AGENTS = 32;
export const MAX_PACKAGE_TEAMS = 16;
export const MAX_PACKAGE_TOOLS = 64;
export const MAX_PACKAGE_KNOWLEDGE = 20;
export const MAX_PACKAGE_JUDGES = 16;
export const MAX_KNOWLEDGE_CHARS = 200_000;
export const MAX_LISTING_TAGS = 10;
/** the package as canonical JSON is at most this many bytes */
export const MAX_PACKAGE_BYTES = 2_000_000;

export type ListingCategory = (typeof LISTING_CATEGORIES)[number];
export type ListingVisibility = (typeof LISTING_VISIBILITIES)[number];
export type ListingStatus = (typeof LISTING_STATUSES)[number];

export const listingIdSchema = idSchema("lst").describe("A listing id (lst_...)");
export const listingVersionIdSchema = idSchema("lsv").describe("A listing version id (lsv_...)");
export const listingInstallIdSchema = idSchema("lin").describe("An install id (lin_...)");

/** A named secret the package needs, bound by each installer to one of its own vault secrets: never a value or an id. */
export const secretSlotNameSchema = text()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, "A secret slot is a lowercase name: letters, digits and _")
  .describe("A named secret the package needs (the installer binds it to one of its own vault secrets)");

/**
 * A model policy as a package carries it: a preset name (fast, balanced, capable) or constraints, never a catalog
 * model id nor another workspace's provider id (publishing turns those into constraints).
 */
export const packageModelPolicySchema = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("preset"), preset: z.enum(["fast", "balanced", "capable"]) }),
    z.strictObject({ type: z.literal("constraints"), constraints: modelConstraintsSchema }),
  ])
  .meta({ id: "PackageModelPolicy" });

export const packageAgentSchema = createAgentInputSchema.safeExtend({ modelPolicy: packageModelPolicySchema }).meta({ id: "PackageAgent" });
export type PackageAgent = z.infer<typeof packageAgentSchema>;

export const packageTeamSchema = z
  .strictObject({
    slug: text().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
    name: text().trim().min(1).max(100),
    description: text().max(2_000).default(""),
    spec: topologySpecSchema,
    // absent when the team has no gate, "off": packages of teams without gates read (and are signed) as before
    qualityGate: qualityGateSchema.optional().describe("The team's own quality gate, its judges named by package slug"),
    agentGates: agentGatesSchema.optional().describe('"on": each agent\'s own gate applies inside runs of this team'),
  })
  .meta({ id: "PackageTeam" });
export type PackageTeam = z.infer<typeof packageTeamSchema>;

const toolLimitsShape = {
  timeoutMs: z.number().int().min(1_000).max(120_000),
  maxResponseBytes: z
    .number()
    .int()
    .min(1_024)
    .max(5 * 1024 * 1024),
  rateLimitPerMinute: z.number().int().min(1).max(100_000).nullable(),
  agentRateLimitPerMinute: z.number().int().min(1).max(100_000).nullable(),
  costPerCallUsd: z.number().min(0).max(100),
  approval: approvalPolicySchema,
};

/** A tool the package's agents use: a custom HTTP tool (its templates; its secret as a slot), an MCP server's, or a built-in. */
export const packageToolSchema = z
  .discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("builtin"), name: z.enum(BUILTIN_TOOL_NAMES), ...toolLimitsShape }),
    z.strictObject({
      kind: z.literal("http"),
      name: toolNameSchema,
      description: text().trim().min(1).max(2_000),
      inputSchema: toolInputSchemaSchema,
      config: httpToolConfigSchema,
      secretSlot: secretSlotNameSchema.nullable(),
      secretHost: text().trim().toLowerCase().min(1).max(253).nullable(),
      ...toolLimitsShape,
    }),
    z.strictObject({
      kind: z.literal("mcp"),
      name: toolNameSchema,
      /** the package's MCP server (by its name in mcpServers) and the tool's name there */
      server: text().min(1).max(64),
      remoteName: text().min(1).max(200),
      description: text().max(2_000),
      inputSchema: toolInputSchemaSchema,
      ...toolLimitsShape,
    }),
  ])
  .meta({ id: "PackageTool" });
export type PackageTool = z.infer<typeof packageToolSchema>;

export const packageMcpServerSchema = z
  .strictObject({
    name: text().regex(/^[a-z][a-z0-9_]{0,31}$/),
    url: text().url().max(2_000),
    transport: z.enum(MCP_TRANSPORTS),
    /** bearer: its token is a secret slot; oauth: the installer authorizes it after installing */
    authType: z.enum(["none", "bearer", "oauth"]),
    secretSlot: secretSlotNameSchema.nullable(),
  })
  .meta({ id: "PackageMcpServer" });

/**
 * A judge the package's agents' quality gates name (by its slug: the package-local key). Its current version at
 * publish time, the model policy as constraints; its few-shot examples only those the publisher wrote (examples
 * picked from people's labels of the publisher's runs stay behind: server/marketplace/package-judges.ts).
 */
export const packageJudgeSchema = z
  .strictObject({
    slug: text().regex(AGENT_SLUG_PATTERN),
    name: createJudgeInputSchema.shape.name,
    instructions: createJudgeInputSchema.shape.instructions.unwrap(),
    modelPolicy: packageModelPolicySchema,
    rubric: rubricSchema,
    referenceAnswer: createJudgeInputSchema.shape.referenceAnswer.unwrap(),
    examples: createJudgeInputSchema.shape.examples.unwrap(),
    maxOutputTokens: createJudgeInputSchema.shape.maxOutputTokens.unwrap(),
  })
  .meta({ id: "PackageJudge" });
export type PackageJudge = z.infer<typeof packageJudgeSchema>;

/** A document bundled with the package, ingested into the installer's memory at the scope named. */
export const packageKnowledgeSchema = z
  .strictObject({
    title: text().trim().min(1).max(200),
    /** the scope it is ingested into: the workspace, or one of the package's agents or teams (by slug) */
    scope: z.discriminatedUnion("type", [
      z.strictObject({ type: z.literal("workspace") }),
      z.strictObject({ type: z.literal("agent"), slug: text().max(64) }),
      z.strictObject({ type: z.literal("team"), slug: text().max(64) }),
    ]),
    format: z.enum(["text", "markdown"]),
    text: text().min(1).max(MAX_KNOWLEDGE_CHARS),
  })
  .meta({ id: "PackageKnowledge" });

/** What a listing version installs: built by Cadre at publish time, signed, never edited afterwards. */
export const marketplacePackageSchema = z
  .strictObject({
    kind: z.literal(PACKAGE_KIND),
    format: z.literal(PACKAGE_FORMAT),
    root: z.strictObject({ kind: z.enum(["agent", "team"]), slug: text().max(64) }),
    agents: z.array(packageAgentSchema).min(1).max(MAX_PACKAGE_AGENTS),
    /** the root team (when the root is a team) and every team nested in it, inner ones first */
    teams: z.array(packageTeamSchema).max(MAX_PACKAGE_TEAMS),
    tools: z.array(packageToolSchema).max(MAX_PACKAGE_TOOLS),
    mcpServers: z.array(packageMcpServerSchema).max(16),
    knowledge: z.array(packageKnowledgeSchema).max(MAX_PACKAGE_KNOWLEDGE),
    /**
     * The judges the agents' quality gates name (the gates name them by slug). Absent, not empty, when no agent has
     * a gate: packages published before judges travelled have no such key, and their signed form stays as it was.
     */
    judges: z.array(packageJudgeSchema).min(1).max(MAX_PACKAGE_JUDGES).optional(),
  })
  .meta({ id: "MarketplacePackage" });
export type MarketplacePackage = z.infer<typeof marketplacePackageSchema>;

/**
 * The permission manifest: computed from the package (server/marketplace/manifest.ts), never declared by the
 * publisher. The consent screen shows it; an update's diff highlights what it adds.
 */
export const permissionManifestSchema = z
  .object({
    tools: z.array(
      z.object({
        name: z.string(),
        kind: z.enum(["builtin", "http", "mcp"]),
        /** the hosts a call may reach; ["*"] for tools that reach any URL (http_request, web_fetch) */
        hosts: z.array(z.string()),
        usedBy: z.array(z.string()).describe("The agents granted it (slugs)"),
        approval: z.enum(["never", "always", "rule"]),
      }),
    ),
    egressHosts: z.array(z.string()).describe("Every host the package may call; * when a tool reaches any URL"),
    secretSlots: z.array(z.object({ name: z.string(), host: z.string().nullable(), usedBy: z.array(z.string()) })),
    memory: z.object({
      reads: z.array(z.enum(MEMORY_POLICY_SCOPES)),
      writes: z.array(z.enum(MEMORY_POLICY_SCOPES)),
      knowledgeDocuments: z.number().int(),
    }),
    needsApprovals: z.boolean(),
    agents: z.number().int(),
    teams: z.number().int(),
    subRuns: z.boolean().describe("Whether an agent may start other agents (run_agent)"),
    estimatedCostPerRunUsd: z
      .object({ low: z.number(), high: z.number() })
      .nullable()
      .describe("From the catalog's prices and the agents' output limits (and their quality gates' judge calls); null when no priced model fits"),
    /** absent when no agent has a quality gate (and in manifests computed before judges travelled) */
    judges: z
      .array(
        z.object({
          slug: z.string(),
          name: z.string(),
          criteria: z.array(z.object({ key: z.string(), description: z.string() })),
          usedBy: z.array(z.string()).describe("The agents whose runs it judges (slugs)"),
          usedByTeams: z.array(z.string()).optional().describe("The teams whose output it judges (their own quality gate; slugs)"),
        }),
      )
      .optional()
      .describe("The judges of the agents' quality gates: each judged output of those agents is a call to each of its judges"),
    judgeCallsPerRun: z
      .object({ min: z.number().int(), max: z.number().int() })
      .optional()
      .describe("Judge calls per run of every gated agent: one per judge when the first output passes; max with every revision used"),
  })
  .meta({ id: "PermissionManifest" });
export type PermissionManifest = z.infer<typeof permissionManifestSchema>;

/** Inputs ---------------------------------------------------------------------------------------------------- */

const tagSchema = text()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "A tag is lowercase letters, digits and -, up to 32");

const listingTagsSchema = z
  .array(tagSchema)
  .max(MAX_LISTING_TAGS)
  .refine((t) => new Set(t).size === t.length, "Each tag once");

export const listingDetailsShape = {
  name: text().trim().min(1, "Name the listing").max(100),
  summary: text().trim().min(1, "Write a one-line summary").max(200),
  description: text().max(20_000).default("").describe("Markdown, rendered sanitised"),
  category: z.enum(LISTING_CATEGORIES),
  tags: listingTagsSchema.default([]),
  icon: text().max(8).default("").describe("An emoji (no remote images)"),
  visibility: z.enum(LISTING_VISIBILITIES).default("public"),
};

export const publishListingInputSchema = z.strictObject({
  source: z.strictObject({ kind: z.enum(["agent", "team"]), ref: text().trim().min(1).max(80).describe("Its id or slug") }),
  slug: text().regex(/^[a-z0-9][a-z0-9-]{2,62}$/, "A listing slug is 3-63 lowercase letters, digits and -"),
  ...listingDetailsShape,
  changelog: text().max(5_000).default("First version"),
  /** documents bundled as-is (ingested into the installer's memory) */
  knowledge: z.array(packageKnowledgeSchema).max(MAX_PACKAGE_KNOWLEDGE).default([]),
});
export type PublishListingInput = z.input<typeof publishListingInputSchema>;

export const publishVersionInputSchema = z.strictObject({
  listing: listingIdSchema,
  changelog: text().trim().min(1, "Say what changed").max(5_000),
  /** the bundled documents of the new version; absent: those of the previous version */
  knowledge: z.array(packageKnowledgeSchema).max(MAX_PACKAGE_KNOWLEDGE).optional(),
});

/** What publishing the source would build, without writing anything (the publish form's preview) */
export const previewListingInputSchema = z.strictObject({
  source: publishListingInputSchema.shape.source,
  knowledge: z.array(packageKnowledgeSchema).max(MAX_PACKAGE_KNOWLEDGE).default([]),
});

export const listingIdInputSchema = z.strictObject({ listing: listingIdSchema });

/** A platform operator's removal of a listing */
export const removeListingInputSchema = z.strictObject({
  listing: listingIdSchema,
  reason: text().trim().min(1, "Say why").max(1_000),
});

export const listReviewsInputSchema = z.strictObject({
  listing: text().trim().min(1).max(80).describe("A listing id (lst_...) or its unlisted link token (lnk_...)"),
  ...paginationShape,
});

export const updateListingInputSchema = z.strictObject({
  listing: listingIdSchema,
  name: listingDetailsShape.name.optional(),
  summary: listingDetailsShape.summary.optional(),
  description: text().max(20_000).optional(),
  category: listingDetailsShape.category.optional(),
  // without the create defaults: a field left out of a patch stays as it is
  tags: listingTagsSchema.optional(),
  icon: text().max(8).optional(),
  visibility: z.enum(LISTING_VISIBILITIES).optional(),
});

export const searchListingsInputSchema = z.strictObject({
  q: text().trim().max(200).optional(),
  category: z.enum(LISTING_CATEGORIES).optional(),
  tags: z.array(tagSchema).max(5).optional(),
  sort: z.enum(LISTING_SORTS).default("installs"),
  ...paginationShape,
});

/** A listing by id (public, the workspace's own, or installed here) or by its unlisted link token */
export const listingRefInputSchema = z.strictObject({
  listing: text().trim().min(1).max(80).describe("A listing id (lst_...) or its unlisted link token (lnk_...)"),
});

/** Binds each secret slot to one of the installer's vault secrets (sec_...) */
export const secretBindingsSchema = z.record(secretSlotNameSchema, idSchema("sec")).default({});

export const installListingInputSchema = z.strictObject({
  listing: text().trim().min(1).max(80).describe("A listing id or its unlisted link token"),
  /** default: the newest version */
  version: z.number().int().min(1).optional(),
  secretBindings: secretBindingsSchema,
  /** prefix for the installed slugs when they collide with the workspace's own (default: none; a collision is a 409) */
  slugPrefix: text()
    .regex(/^[a-z0-9][a-z0-9-]{0,20}$/)
    .optional(),
  /** the manifest's digest the person consented to: refused (409) when the version's manifest differs */
  consentDigest: text().max(100),
});
export type InstallListingInput = z.input<typeof installListingInputSchema>;

export const updateInstallInputSchema = z.strictObject({
  install: listingInstallIdSchema,
  version: z.number().int().min(1),
  secretBindings: secretBindingsSchema,
  consentDigest: text().max(100),
});

export const reviewListingInputSchema = z.strictObject({
  listing: listingIdSchema,
  rating: z.number().int().min(1, "A rating is 1 to 5").max(5, "A rating is 1 to 5"),
  body: text().max(4_000).default(""),
});

export const reportListingInputSchema = z.strictObject({
  listing: listingIdSchema,
  reason: z.enum(LISTING_REPORT_REASONS),
  details: text().max(2_000).default(""),
});

/** Outputs --------------------------------------------------------------------------------------------------- */

export const listingSummarySchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    summary: z.string(),
    category: z.enum(LISTING_CATEGORIES),
    tags: z.array(z.string()),
    icon: z.string(),
    kind: z.enum(["agent", "team"]),
    visibility: z.enum(LISTING_VISIBILITIES),
    status: z.enum(LISTING_STATUSES),
    publisherName: z.string().describe("The publishing workspace's name (provenance)"),
    latestVersion: z.number().int(),
    installCount: z.number().int(),
    ratingAverage: z.number().nullable(),
    ratingCount: z.number().int(),
    updatedAt: z.string(),
    /** the caller's own listing */
    mine: z.boolean(),
  })
  .meta({ id: "ListingSummary" });
export type ListingSummary = z.infer<typeof listingSummarySchema>;

/** A publisher's own listing with what it may know of its use: counts, never who */
export const myListingSchema = listingSummarySchema
  .extend({
    linkToken: z.string().describe("The unlisted link's token (share it to give access)"),
    reports: z.number().int().describe("Open reports of it"),
    removedReason: z.string().nullable(),
  })
  .meta({ id: "MyListing" });
export type MyListing = z.infer<typeof myListingSchema>;

export const listingReportSchema = z
  .object({ id: z.string(), listingId: z.string(), reason: z.enum(LISTING_REPORT_REASONS), createdAt: z.string() })
  .meta({ id: "ListingReport" });
export const removedListingSchema = z.object({ id: z.string(), status: z.literal("removed") }).meta({ id: "RemovedListing" });

/** The publish form's preview: the package Cadre would build, its manifest, and what the scanner refuses in it */
export const listingPreviewSchema = z
  .object({
    package: marketplacePackageSchema,
    manifest: permissionManifestSchema,
    problems: z.array(z.object({ path: z.string(), message: z.string() })),
  })
  .meta({ id: "ListingPreview" });
export type ListingPreview = z.infer<typeof listingPreviewSchema>;

export const listingVersionSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    changelog: z.string(),
    manifest: permissionManifestSchema,
    /** sha256 of the canonical package JSON, hex */
    digest: z.string(),
    signature: z.string().describe("Ed25519 signature of the digest by the platform key, base64url"),
    keyId: z.string(),
    /** whether the stored package still matches its digest and signature (checked when read) */
    verified: z.boolean(),
    publishedAt: z.string(),
  })
  .meta({ id: "ListingVersion" });
export type ListingVersionOut = z.infer<typeof listingVersionSchema>;

export const listingDetailSchema = listingSummarySchema
  .extend({
    description: z.string(),
    versions: z.array(listingVersionSchema.omit({ manifest: true })),
    latest: listingVersionSchema.extend({ package: marketplacePackageSchema }),
    /** the unlisted link (publisher only) */
    linkToken: z.string().nullable(),
    /** the installer's installs of it in this workspace */
    installs: z.array(z.object({ id: z.string(), version: z.number().int() })),
    myReview: z.object({ rating: z.number().int(), body: z.string() }).nullable(),
  })
  .meta({ id: "ListingDetail" });
export type ListingDetail = z.infer<typeof listingDetailSchema>;

export const listingInstallSchema = z
  .object({
    id: z.string(),
    listingId: z.string(),
    listingName: z.string(),
    listingStatus: z.enum(LISTING_STATUSES),
    version: z.number().int(),
    latestVersion: z.number().int(),
    updateAvailable: z.boolean(),
    root: z.object({ kind: z.enum(["agent", "team"]), id: z.string(), slug: z.string() }),
    agents: z.array(z.object({ id: z.string(), slug: z.string() })),
    teams: z.array(z.object({ id: z.string(), slug: z.string() })),
    tools: z.array(z.object({ id: z.string(), name: z.string() })),
    judges: z.array(z.object({ id: z.string(), slug: z.string() })),
    secretBindings: z.record(z.string(), z.string()),
    installedAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "ListingInstall" });
export type ListingInstallOut = z.infer<typeof listingInstallSchema>;

/** What an update changes: per field of each agent and team, the tools, and the manifest (additions highlighted) */
export const installDiffSchema = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    agents: z.array(
      z.object({
        slug: z.string(),
        change: z.enum(["added", "removed", "changed", "same"]),
        fields: z.array(z.string()),
        instructionsDiff: z.string().nullable(),
      }),
    ),
    teams: z.array(z.object({ slug: z.string(), change: z.enum(["added", "removed", "changed", "same"]), fields: z.array(z.string()) })),
    tools: z.array(z.object({ name: z.string(), change: z.enum(["added", "removed", "changed", "same"]) })),
    judges: z.array(z.object({ slug: z.string(), change: z.enum(["added", "removed", "changed", "same"]), fields: z.array(z.string()) })),
    newPermissions: z.object({
      hosts: z.array(z.string()),
      secretSlots: z.array(z.string()),
      tools: z.array(z.string()),
      memoryWrites: z.array(z.string()),
      approvalsDropped: z.boolean(),
    }),
    consentDigest: z.string(),
  })
  .meta({ id: "InstallDiff" });
export type InstallDiff = z.infer<typeof installDiffSchema>;

export const listingReviewSchema = z
  .object({ rating: z.number().int(), body: z.string(), mine: z.boolean(), createdAt: z.string(), updatedAt: z.string() })
  .meta({ id: "ListingReview", description: "A workspace's review: anonymous (a publisher never learns who reviewed)" });

export const publisherStatsSchema = z
  .object({
    listingId: z.string(),
    installCount: z.number().int(),
    ratingAverage: z.number().nullable(),
    ratingCount: z.number().int(),
    reports: z.number().int(),
  })
  .meta({ id: "ListingStats" });

/** What an installer reviews and consents to before installing a version: its manifest and the digest to send back */
export const installConsentSchema = z
  .object({
    listingId: z.string(),
    version: z.number().int(),
    manifest: permissionManifestSchema,
    consentDigest: z.string().describe("Send it with the install: refused when the manifest changed since"),
    secretSlots: z.array(z.object({ name: z.string(), host: z.string().nullable(), usedBy: z.array(z.string()) })),
  })
  .meta({ id: "InstallConsent" });
export type InstallConsent = z.infer<typeof installConsentSchema>;

export const installConsentInputSchema = z.strictObject({
  listing: text().trim().min(1).max(80).describe("A listing id or its unlisted link token"),
  version: z.coerce.number().int().min(1).optional(),
});
