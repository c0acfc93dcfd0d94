/**
 * The running step's streamed text as `node.delta` events. The model's text deltas are collected and written at most
 * every DELTA_INTERVAL_MS, one event with the text since the last one, in order with the run's other writes; a step
 * that finishes sooner writes none (its `node.finished` carries the output). When the gateway moves on to another
 * model call, the next event says `reset: true`, so viewers drop the failed call's text. Like `node.finished`, the
 * streamed text stops at EVENT_TEXT_MAX characters (the step's row keeps the whole output).
 */
import type { Sql } from "@/server/db/sql";
import { appliesOn, type CompiledPolicy, redactStreamPrefix } from "@/server/quality/pii/redact";
import { appendRunEventsSql } from "./events";

export const DELTA_INTERVAL_MS = 200;
export const EVENT_TEXT_MAX = 4000;

export class StepTextStream {
  private pending = "";
  private reset = false;
  private emitted = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    private readonly write: (statement: Sql) => Promise<void>,
    private readonly runId: string,
    private readonly base: { nodeId: string; stepId: string; attempt: number },
    /** the run's PII policy on stored events: text is shown redacted, a little behind (redactStreamPrefix) */
    private readonly pii: CompiledPolicy | null = null,
  ) {}

  push(delta: string): void {
    if (this.closed || this.emitted + this.pending.length >= EVENT_TEXT_MAX) return;
    this.pending += delta.slice(0, EVENT_TEXT_MAX - this.emitted - this.pending.length);
    this.timer ??= setTimeout(() => this.emit(), DELTA_INTERVAL_MS);
  }

  /** The gateway starts another model call: what was shown so far is dropped. */
  restart(): void {
    if (this.closed) return;
    this.pending = "";
    if (this.emitted > 0) this.reset = true;
    this.emitted = 0;
  }

  /** The call ended: nothing more is written (the step's record follows). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private emit(): void {
    this.timer = null;
    if (this.closed || (!this.pending && !this.reset)) return;
    const shown = appliesOn(this.pii, "storage")
      ? redactStreamPrefix(this.pending, this.pii, "storage")
      : { text: this.pending, consumed: this.pending.length };
    if (!shown.text && !this.reset) {
      // all of it held back (too little yet, or a value still arriving): the next delta brings it on
      return;
    }
    const data = { ...this.base, text: shown.text, ...(this.reset ? { reset: true } : {}) };
    this.emitted += shown.consumed;
    this.pending = this.pending.slice(shown.consumed);
    this.reset = false;
    // a failed write is the writer's to report (the run stops at its next step); the text is only a preview
    this.write(appendRunEventsSql(this.runId, [{ type: "node.delta", data }])).catch(() => undefined);
  }
}
