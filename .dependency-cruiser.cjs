/**
 * The layers of server/ and the boundaries of lib/ and components/, checked by dependency-cruiser:
 * `npm run lint:deps` (part of `npm run lint`). docs/architecture.md, "Layers", says why each folder sits where it does.
 *
 * A folder may import its own layer and the layers below it, never one above, and no two folders of server/ import
 * each other, directly or through others. Test files are left out: an integration test may set up data through any
 * service.
 *
 * dependency-cruiser reads TypeScript with @swc/core here (the project's `typescript` 7 has no JavaScript compiler
 * API, which dependency-cruiser's default reader needs). Its swc reader does not parse JSX, so .tsx files are left
 * out; they are pages and components, whose imports of server/ Biome checks (biome.jsonc, noRestrictedImports).
 * lib/trpc/ is left out too: its one import of server/ is the router's type (`import type { AppRouter }`), which this
 * reader cannot tell from a value import and which would close a cycle through lib/; Biome checks it.
 */
try {
  require.resolve("@swc/core");
} catch {
  // without a reader for .ts, dependency-cruiser would skip every TypeScript file and pass
  throw new Error("dependency-cruiser needs @swc/core to read TypeScript (a devDependency: run npm install)");
}

/** Bottom to top. "(root)" is the files directly in server/ (env, logger, context, lifecycle, cli-io). */
const LAYERS = [
  ["(root)", "quality/pii"],
  ["observability"],
  ["db"],
  ["http", "mail", "health"],
  ["idempotency", "retention", "audit", "vault", "egress", "quality/pii-policy"],
  ["ledger", "models", "tools", "webhooks"],
  ["topologies", "agents", "teams", "memory", "quality/judges", "quality/calibration", "quality/datasets"],
  ["jobs", "runs", "sessions"],
  ["triggers", "schedules", "marketplace", "quality/evaluations"],
  ["auth", "users", "workspaces", "mcp-auth", "orgs"],
  ["mcp-endpoint", "sso", "scim"],
  ["api", "rest"],
];

const folderPath = (name) => (name === "(root)" ? "^server/[^/]+$" : `^server/${name}/`);
const anyOf = (names) => names.map(folderPath).join("|");

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${i}-${layer.join("-").replace(/[()]/g, "")}`,
  comment: `${layer.join(", ")} may not import a folder of a higher layer (${LAYERS.slice(i + 1)
    .flat()
    .join(", ")}): move the code down, or pass a function or an interface in`,
  severity: "error",
  from: { path: anyOf(layer) },
  to: { path: anyOf(LAYERS.slice(i + 1).flat()) },
}));

const known = new Set(LAYERS.flat());

module.exports = {
  forbidden: [
    {
      name: "no-server-folder-cycle",
      comment: "A cycle between folders of server/: one of its edges points up a layer (see LAYERS)",
      severity: "error",
      scope: "folder",
      // folders are directories here: a cycle inside one folder of server/ (api/ and api/routers/) is its own business
      from: { path: "^(server/[^/]+)" },
      to: { circular: true, pathNot: "^$1(/|$)" },
    },
    ...layerRules,
    {
      name: "server-folder-has-a-layer",
      comment: 'Every folder of server/ is in LAYERS (.dependency-cruiser.cjs) and in docs/architecture.md, "Layers"',
      severity: "error",
      from: { path: "^server/" },
      to: { path: "^server/([^/]+)/", pathNot: [...known].filter((n) => n !== "(root)").map((n) => `^server/${n}/`) },
    },
    {
      name: "server-never-imports-app",
      comment: "app/ holds pages and route handlers on top of server/; server/ never imports them",
      severity: "error",
      from: { path: "^server/" },
      to: { path: "^(app|components)/" },
    },
    {
      name: "lib-never-imports-server",
      comment: "lib/ is isomorphic (browser and server): it never imports server/, except the tRPC router's type",
      severity: "error",
      from: { path: "^lib/" },
      to: { path: "^server/", pathNot: "^server/api/root\\.ts$" },
    },
    {
      name: "components-never-import-server",
      comment: "components/ run in the browser: they import the tRPC router's type from server/, nothing else",
      severity: "error",
      from: { path: "^components/" },
      to: { path: "^server/", pathNot: "^server/api/root\\.ts$" },
    },
  ],
  options: {
    parser: "swc",
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["^server/db/generated/", "\\.tsx$", "\\.test\\.ts$", "^lib/trpc/"] },
    enhancedResolveOptions: { extensions: [".ts", ".js", ".mjs", ".json"] },
  },
};
