import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { setEnv } from "@/server/env";

export interface CapturedMail {
  from: string;
  to: string[];
  /** the raw message (headers and body), quoted-printable soft breaks and escapes decoded */
  data: string;
}

/** A captured message as the app wrote it: its recipient, subject and plain-text body. */
export interface Letter {
  to: string;
  subject: string;
  text: string;
}

/** The letters among captured messages (one per recipient), read from the raw message's headers and body. */
export function lettersOf(messages: CapturedMail[]): Letter[] {
  return messages.flatMap((m) => {
    const split = m.data.indexOf("\r\n\r\n");
    const head = m.data.slice(0, split).replace(/\r\n[ \t]+/g, " ");
    const subject = /^Subject: (.*)$/im.exec(head)?.[1] ?? "";
    const text = m.data
      .slice(split + 4)
      .replace(/\r\n/g, "\n")
      .replace(/\n$/, "");
    return m.to.map((to) => ({ to, subject, text }));
  });
}

/**
 * A minimal SMTP server on 127.0.0.1 that keeps what it receives, with SMTP_URL pointed at it: the app's real mail
 * path (server/mail/send.ts, nodemailer) delivers to it. `stop()` restores SMTP_URL (unset).
 */
export async function captureMail(): Promise<{ messages: CapturedMail[]; url: string; stop: () => Promise<void> }> {
  const messages: CapturedMail[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let buffer = "";
    let inData = false;
    let current: CapturedMail = { from: "", to: [], data: "" };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply("220 127.0.0.1 test SMTP");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      for (;;) {
        if (inData) {
          const end = buffer.indexOf("\r\n.\r\n");
          if (end < 0) return;
          const raw = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          current.data = raw.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
          messages.push(current);
          current = { from: "", to: [], data: "" };
          reply("250 queued");
          continue;
        }
        const eol = buffer.indexOf("\r\n");
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") reply("250 127.0.0.1");
        else if (verb === "MAIL") {
          current.from = line.slice(10).trim();
          reply("250 ok");
        } else if (verb === "RCPT") {
          current.to.push(line.slice(8).trim().replace(/^<|>$/g, ""));
          reply("250 ok");
        } else if (verb === "DATA") {
          inData = true;
          reply("354 go on");
        } else if (verb === "QUIT") {
          reply("221 bye");
          socket.end();
        } else reply("250 ok");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const url = `smtp://127.0.0.1:${port}`;
  setEnv("SMTP_URL", url);
  return {
    messages,
    url,
    stop: async () => {
      setEnv("SMTP_URL", "");
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The test SMTP server for a whole test file: before each test its messages are cleared and SMTP_URL is unset (no
 * mail configured); a test that configures mail points SMTP_URL at `url`. `sent()` reads the letters so far.
 */
export function mailCaptureForFile(): { readonly url: string; sent: () => Letter[]; clear: () => void } {
  let capture: Awaited<ReturnType<typeof captureMail>>;
  beforeAll(async () => {
    capture = await captureMail();
  });
  beforeEach(() => {
    setEnv("SMTP_URL", "");
    capture.messages.length = 0;
  });
  afterAll(async () => {
    await capture.stop();
  });
  return {
    get url() {
      return capture.url;
    },
    sent: () => lettersOf(capture.messages),
    clear: () => {
      capture.messages.length = 0;
    },
  };
}
