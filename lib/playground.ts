/**
 * The playground's conversation, kept in the browser per person, workspace and target until sessions arrive with
 * memory: what was asked, what answered (with the run that answered it), and the transcript a new message can carry.
 */
export interface PlaygroundTurn {
  role: "user" | "assistant";
  text: string;
  /** the run that answered (assistant turns) */
  runId?: string;
  status?: "succeeded" | "failed" | "cancelled";
  costUsd?: number;
  tokens?: number;
  model?: string | null;
  routeReason?: string | null;
}

export const MAX_TURNS = 50;
/** the transcript sent with a message is cut to this many characters (the newest kept) */
export const MAX_TRANSCRIPT_CHARS = 20_000;

export function conversationKey(userId: string, workspace: string, target: string): string {
  return `cadre.playground.${userId}.${workspace}.${target}`;
}

/** Where the person's last target is kept (the page opens on it). */
export function lastTargetKey(userId: string, workspace: string): string {
  return `cadre.playground.${userId}.${workspace}:last`;
}

/** A stored conversation, or none when the value is missing or not one (a hand-edited or older value). */
export function parseConversation(raw: string | null): PlaygroundTurn[] {
  if (!raw) return [];
  try {
    const value = JSON.parse(raw) as unknown;
    if (!Array.isArray(value)) return [];
    return value
      .filter(
        (t): t is PlaygroundTurn =>
          !!t &&
          typeof t === "object" &&
          ((t as PlaygroundTurn).role === "user" || (t as PlaygroundTurn).role === "assistant") &&
          typeof (t as PlaygroundTurn).text === "string",
      )
      .slice(-MAX_TURNS);
  } catch {
    return [];
  }
}

export function serializeConversation(turns: readonly PlaygroundTurn[]): string {
  return JSON.stringify(turns.slice(-MAX_TURNS));
}

/**
 * The run's input: the message alone, or (with `withTranscript`) the earlier turns written out before it, so that a
 * target without memory still sees the conversation. Failed answers are left out of the transcript.
 */
export function runInput(turns: readonly PlaygroundTurn[], message: string, withTranscript: boolean): string {
  const earlier = turns.filter((t) => t.role === "user" || t.status === "succeeded");
  if (!withTranscript || earlier.length === 0) return message;
  let transcript = earlier.map((t) => `${t.role === "user" ? "User" : "Assistant"}: ${t.text}`).join("\n\n");
  if (transcript.length > MAX_TRANSCRIPT_CHARS) transcript = `…${transcript.slice(-MAX_TRANSCRIPT_CHARS)}`;
  return `The conversation so far:\n\n${transcript}\n\nThe new message:\n\n${message}`;
}
