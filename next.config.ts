import type { NextConfig } from "next";
import { currentCommit } from "./scripts/build-info.mjs";

const config: NextConfig = {
  poweredByHeader: false,
  // the commit this build is of: /api/health's version (server/env.ts buildCommit); the launcher compares it too
  env: { CADRE_BUILD_COMMIT: currentCommit() },
  // server-only packages with native or WebAssembly parts stay out of the bundle
  serverExternalPackages: [
    "@node-rs/argon2",
    "pino",
    "@electric-sql/pglite",
    "pg",
    "@prisma/adapter-pg",
    "rate-limiter-flexible",
    "nodemailer",
    // PDF text (server/memory/documents/extract.ts): PDF.js's server build, loaded as it ships, at its first use
    "unpdf",
    // chunking (server/memory/documents/chunk.ts): only its splitter module is loaded, not the rest of LangChain
    "@langchain/textsplitters",
    // OpenTelemetry SDK (loaded only when tracing is configured: server/observability/tracing.ts)
    "@opentelemetry/sdk-trace-node",
    "@opentelemetry/sdk-trace-base",
    "@opentelemetry/exporter-trace-otlp-http",
    "@opentelemetry/resources",
    "@opentelemetry/core",
  ],
  typedRoutes: false,
  // CI type-checks the whole tree (`npm run typecheck`) before it builds and sets CADRE_BUILD_TYPECHECKED=1: the
  // build's own check of the same code would only repeat it (about a minute on 2 cores)
  typescript: { ignoreBuildErrors: process.env.CADRE_BUILD_TYPECHECKED === "1" },
  // each route's bundle loads at its first request, not all at start: faster start, ~30 MB less idle memory
  // (docs/benchmarks.md, start-up)
  experimental: { preloadEntriesOnStart: false },
  // static assets skip proxy.ts; they still get the headers that do not depend on the request
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
        ],
      },
      {
        // the API skips proxy.ts (see its matcher): its responses are data, never pages with scripts
        source: "/api/:path*",
        headers: [
          { key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
        ],
      },
    ];
  },
};

export default config;
