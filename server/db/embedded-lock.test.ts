import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { claimEmbeddedLock, embeddedLockHolder, EMBEDDED_LOCK_FILE } from "./embedded-lock";

const FIXTURE = path.resolve("test/fixtures/lock-holder.ts");

function procState(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return undefined;
  }
}

/**
 * A holder whose parent never reaps it: `sh` starts it in the background and becomes `sleep`, which does not wait
 * for children. Killed with SIGKILL, the holder stays a zombie until the sleep ends, like a server under a
 * supervisor that has not reaped it yet.
 */
async function startUnreapedHolder(dir: string): Promise<{ holder: number; stop(): void }> {
  const shell = spawn("sh", ["-c", `"${process.execPath}" --import tsx "${FIXTURE}" "${dir}" & exec sleep 120`], { stdio: ["ignore", "pipe", "inherit"] });
  const holder = await new Promise<number>((resolve, reject) => {
    let out = "";
    shell.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /LOCKED (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    shell.once("exit", () => reject(new Error(`the holder did not start: ${out}`)));
  });
  return { holder, stop: () => shell.kill("SIGKILL") };
}

describe("embedded database lock", () => {
  it("refuses while a live process holds it and names it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cadre-lock-"));
    const { holder, stop } = await startUnreapedHolder(dir);
    try {
      expect(embeddedLockHolder(dir)).toBe(holder);
      await expect(claimEmbeddedLock(dir, "testing")).rejects.toThrow(`is in use by another process (pid ${holder}): stop it before testing`);
    } finally {
      stop();
      process.kill(holder, "SIGKILL");
    }
  });

  it("is free at once after its holder was killed with SIGKILL, even before the holder is reaped (10 times)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cadre-lock-"));
    for (let i = 0; i < 10; i++) {
      const { holder, stop } = await startUnreapedHolder(dir);
      try {
        process.kill(holder, "SIGKILL");
        // the kernel marks it a zombie; nothing has reaped it
        await expect.poll(() => procState(holder), { interval: 5, timeout: 10_000 }).toBe("Z");
        const release = await claimEmbeddedLock(dir, "restarting");
        expect(readFileSync(path.join(dir, EMBEDDED_LOCK_FILE), "utf8").split(" ")[0]).toBe(String(process.pid));
        release();
      } finally {
        stop();
      }
    }
  }, 300_000);

  it("one claim at a time within a process too; a stale file of a reused pid is ignored", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cadre-lock-"));
    const release = await claimEmbeddedLock(dir, "testing");
    await expect(claimEmbeddedLock(dir, "testing")).rejects.toThrow(/in use by another process/);
    release();
    // a live pid (our parent) with another start time than the recorded one: the pid was reused
    writeFileSync(path.join(dir, EMBEDDED_LOCK_FILE), `${process.ppid} 1\n`);
    expect(embeddedLockHolder(dir)).toBeUndefined();
    (await claimEmbeddedLock(dir, "testing"))();
  });
});
