import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from "@opentelemetry/api";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { APP_VERSION } from "@/server/env";

/**
 * OpenTelemetry tracing. Off unless an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, the standard variables; OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none
 * turn it off again): then nothing is registered, `withSpan` calls its function directly and no header is added to
 * outgoing requests, so the cost when off is one property read.
 *
 * When on: a NodeTracerProvider with a batching OTLP/HTTP exporter, the W3C trace-context propagator (incoming
 * `traceparent` is continued, outgoing provider calls carry one), and the AI SDK's OpenTelemetry integration for
 * model calls (inputs, outputs and headers are never recorded: see server/models/gateway.ts).
 *
 * Span attributes are ids, route patterns, kinds, counts and statuses. Never a prompt, an output, a secret, a
 * header value or an error message (an error is recorded as its class or code only).
 */

interface TracingState {
  active: boolean;
  aiRegistered?: boolean;
  shutdown?: () => Promise<void>;
}

const globalForTracing = globalThis as unknown as { cadreTracing?: TracingState };
function state(): TracingState {
  return (globalForTracing.cadreTracing ??= { active: false });
}

/** Whether spans are being recorded in this process. */
export function tracingActive(): boolean {
  return state().active;
}

/** Whether the environment asks for trace export. */
export function tracingConfigured(environment: Record<string, string | undefined> = process.env): boolean {
  if ((environment.OTEL_SDK_DISABLED ?? "").trim().toLowerCase() === "true") return false;
  if ((environment.OTEL_TRACES_EXPORTER ?? "").trim().toLowerCase() === "none") return false;
  return Boolean(environment.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

export interface StartTracingOptions {
  /** an exporter of one's own (tests: InMemorySpanExporter); default: OTLP/HTTP from the standard variables */
  exporter?: SpanExporter;
  /** export each span as it ends (tests) instead of in batches */
  simple?: boolean;
}

/**
 * Registers the tracer provider, the propagator and the AI SDK integration, once per process. Without an exporter
 * of its own it does nothing unless tracingConfigured(). Returns whether tracing is on.
 */
export async function startTracing(options: StartTracingOptions = {}): Promise<boolean> {
  const s = state();
  if (s.active) return true;
  if (!options.exporter && !tracingConfigured()) return false;
  const [
    { NodeTracerProvider },
    { BatchSpanProcessor, SimpleSpanProcessor },
    { resourceFromAttributes },
    { W3CTraceContextPropagator },
    { registerTelemetry },
    { OpenTelemetry },
  ] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/core"),
    import("ai"),
    import("@ai-sdk/otel"),
  ]);
  const exporter = options.exporter ?? new (await import("@opentelemetry/exporter-trace-otlp-http")).OTLPTraceExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": process.env.OTEL_SERVICE_NAME?.trim() || "cadre", "service.version": APP_VERSION }),
    spanProcessors: [options.simple ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  // the AsyncLocalStorage context manager and W3C trace context (no baggage: nothing of ours travels in it)
  provider.register({ propagator: new W3CTraceContextPropagator() });
  if (!s.aiRegistered) {
    // once per process (the AI SDK keeps integrations on globalThis); its tracer follows the registered provider
    s.aiRegistered = true;
    const aiTracer = {
      startSpan: (...args: Parameters<Tracer["startSpan"]>) => trace.getTracer("ai").startSpan(...args),
      startActiveSpan: ((...args: unknown[]) => (trace.getTracer("ai").startActiveSpan as (...a: unknown[]) => unknown)(...args)) as Tracer["startActiveSpan"],
    } satisfies Tracer;
    registerTelemetry(
      new OpenTelemetry({
        tracer: aiTracer,
        headers: false,
        runtimeContext: false,
        providerMetadata: false,
        embedding: false,
        reranking: false,
        schema: false,
      }),
    );
  }
  s.active = true;
  s.shutdown = async () => {
    await provider.shutdown();
  };
  return true;
}

/** Flushes and unregisters (server shutdown, tests). */
export async function stopTracing(): Promise<void> {
  const s = state();
  const shutdown = s.shutdown;
  s.active = false;
  s.shutdown = undefined;
  await shutdown?.();
  trace.disable();
  propagation.disable();
  context.disable();
  // the AI SDK integration stays registered: the gateway passes `isEnabled: tracingActive()` with every call
}

function tracer() {
  return trace.getTracer("cadre", APP_VERSION);
}

/** The class or code of an error, never its message (a message may quote a prompt or a provider's answer). */
export function errorType(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
  return error instanceof Error ? error.name : "Error";
}

export interface SpanOptions {
  kind?: SpanKind;
  /** the parent (an incoming request's extracted context); default: the active context */
  parent?: Context;
}

/**
 * Runs `fn` in a span (when tracing is on). A thrown error marks the span as failed with the error's type only,
 * and is rethrown unchanged.
 */
export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span | undefined) => Promise<T>, options: SpanOptions = {}): Promise<T> {
  if (!state().active) return fn(undefined);
  return tracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes }, options.parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.setAttribute("error.type", errorType(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The context of an incoming request: its `traceparent` continued when it has a valid one. */
export function incomingContext(headers: Headers): Context {
  if (!state().active) return context.active();
  // a span already active (Next.js's own request span) is the parent; otherwise the caller's traceparent
  if (trace.getSpan(context.active())) return context.active();
  return propagation.extract(context.active(), headers, {
    get: (carrier, key) => carrier.get(key) ?? undefined,
    keys: (carrier) => [...carrier.keys()],
  });
}

/** Adds `traceparent` (and `tracestate`) of the active span to outgoing request headers; nothing when tracing is off. */
export function injectTraceHeaders(headers: Headers): void {
  if (!state().active) return;
  propagation.inject(context.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
}

export { SpanKind };
